package dev.panicwatch.notify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The tests' own webhook receiver on a free loopback port: records every request (path, headers, body, when) and
 * answers each path from a script of answers (status, headers, an optional latch to hold the answer back), then 200.
 */
final class RecordingHttpServer implements AutoCloseable {

    record Request(String path, Headers headers, String body, Instant at) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    record Answer(int status, Map<String, String> headers, CountDownLatch holdUntil) {
        static Answer status(int status) {
            return new Answer(status, Map.of(), null);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Answer>> scripts = new ConcurrentHashMap<>();

    RecordingHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next requests to {@code path} get these answers in order; later ones get 200. */
    void script(String path, Answer... answers) {
        scripts.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String path = exchange.getRequestURI().getPath();
            requests.add(new Request(path, exchange.getRequestHeaders(),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8), Instant.now()));
            Answer answer;
            Deque<Answer> script = scripts.get(path);
            synchronized (this) {
                answer = script == null || script.isEmpty() ? Answer.status(200) : script.poll();
            }
            if (answer.holdUntil() != null) {
                try {
                    answer.holdUntil().await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            byte[] body = ("{\"status\":" + answer.status() + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // the notifier gave up waiting and closed the connection; the request is recorded all the same
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
