package dev.panicwatch.diagnosis.classify;

import dev.panicwatch.diagnosis.kernel.XnuVersion;

/**
 * How the timeout behind a panic relates to the {@code vti} boot-arg, which decides whether raising vti can help.
 */
public enum VtiScaling {

    /**
     * The timeout derives from {@code LockTimeOut}/{@code TLBTimeOut}, which {@code ml_init_lock_timeout()} shifts left
     * by vti in a VM. Helps on any kernel that has vti (xnu ≥ 3789); an unknown version gets the benefit of the doubt,
     * because every macOS that runs on current hypervisors has it.
     */
    SCALED_BY_VTI {
        @Override
        boolean helps(XnuVersion versionOrNull) {
            return versionOrNull == null || versionOrNull.hasVti();
        }
    },

    /**
     * On xnu 4570–7195 (10.13 to 11, both ends included) {@code hw_lock_to()}, {@code hw_lock_bit_to()} and
     * {@code hw_wait_while_equals()} spin for the constant {@code LOCK_PANIC_TIMEOUT} instead of {@code LockTimeOut},
     * so vti does not reach them. Outside that range the same checks use the vti-scaled timeout. An unknown version
     * counts as constant: these exact wordings are printed by those kernels.
     */
    CONSTANT_ON_XNU_4570_TO_7195 {
        @Override
        boolean helps(XnuVersion versionOrNull) {
            if (versionOrNull == null || !versionOrNull.hasVti()) {
                return false;
            }
            int major = versionOrNull.major();
            return major < FIRST_CONSTANT_LOCK_PANIC_TIMEOUT || major > LAST_CONSTANT_LOCK_PANIC_TIMEOUT;
        }
    },

    /** Watchdogs, debugger-entry and driver timers: wall-clock or fixed budgets that vti never touches. */
    NOT_SCALED {
        @Override
        boolean helps(XnuVersion versionOrNull) {
            return false;
        }
    };

    /** First kernel (10.13) whose hw_lock_to() family spins for the constant LOCK_PANIC_TIMEOUT. */
    public static final int FIRST_CONSTANT_LOCK_PANIC_TIMEOUT = 4570;
    /** Last kernel (11) whose hw_lock_to() family spins for the constant LOCK_PANIC_TIMEOUT. */
    public static final int LAST_CONSTANT_LOCK_PANIC_TIMEOUT = 7195;

    abstract boolean helps(XnuVersion versionOrNull);
}
