package dev.panicwatch.localstack;

/**
 * Test helper run in its own JVM: starts a stack with its data in the folder given as the argument (the test's own
 * temporary folder, as a SIGKILLed holder cannot wipe an ephemeral one), prints the children's pids, then waits to be
 * killed.
 */
public final class StackHolder {

    private StackHolder() {
    }

    public static void main(String[] args) throws Exception {
        LocalStack stack = LocalStack.start(LocalStack.Options.kept(java.nio.file.Path.of(args[0])));
        long[] pids = stack.pids();
        System.out.println("PIDS " + pids[0] + " " + pids[1]);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
