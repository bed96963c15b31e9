import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.Transaction;
import org.apache.rocketmq.client.apis.producer.TransactionResolution;

/**
 * The official RocketMQ 5.x Java client (rocketmq-client-java 5.0.8), two ways:
 *
 * <pre>
 *   produce &lt;endpoints&gt; &lt;topic&gt; &lt;inFlight&gt; &lt;count&gt; [warm]
 *       begin, send, commit with inFlight threads, the same as the Node benchmark sides;
 *       warms up (unless warm is "cold", for the test suite's small run), then prints {"side":"java5","inFlight":..,"count":..,"rate":..,"cpuUs":..}
 *   consume &lt;endpoints&gt; &lt;topic&gt; &lt;group&gt; &lt;expected&gt; &lt;timeoutMs&gt;
 *       prints "ready", then one JSON line per message received (every field), then "done"
 * </pre>
 */
public final class Java5Client {
  private static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();

  public static void main(String[] args) throws Exception {
    boolean producing = args[0].equals("produce");
    ClientConfiguration config = ClientConfiguration.newBuilder()
        .setEndpoints(args[1])
        // The producer's timeout is the Node sides'; the consumer's is generous, as it only checks.
        .setRequestTimeout(Duration.ofSeconds(producing ? 3 : 10))
        .build();
    if (producing) {
      boolean warm = args.length < 6 || !args[5].equals("cold");
      produce(config, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), warm);
    } else {
      consume(config, args[2], args[3], Integer.parseInt(args[4]), Long.parseLong(args[5]));
    }
    System.exit(0);
  }

  private static void produce(ClientConfiguration config, String topic, int inFlight, int count,
      boolean warm) throws Exception {
    byte[] body = "benchmark payload of a typical size for an order event, ~64 bytes"
        .getBytes(StandardCharsets.UTF_8);
    try (Producer producer = PROVIDER.newProducerBuilder()
        .setClientConfiguration(config)
        .setTopics(topic)
        .setTransactionChecker(view -> TransactionResolution.COMMIT)
        .build()) {
      // Warm up as the Node sides do: at least 3 s and 1,000 transactions, then let the broker settle.
      long warmUntil = System.nanoTime() + (warm ? 3_000_000_000L : 0);
      for (int warmed = warm ? 0 : 1_000; warmed < 1_000 || System.nanoTime() < warmUntil; ) {
        warmed += run(producer, topic, body, inFlight, Math.max(50, Math.min(1_000, count / 4)));
      }
      if (warm) Thread.sleep(1_000);
      java.lang.management.OperatingSystemMXBean os =
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpuBefore = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
      long start = System.nanoTime();
      int committed = run(producer, topic, body, inFlight, count);
      double seconds = (System.nanoTime() - start) / 1e9;
      long cpuNs = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() - cpuBefore;
      if (committed != count) throw new IllegalStateException(committed + " of " + count + " committed");
      System.out.println("{\"side\":\"java5\",\"inFlight\":" + inFlight + ",\"count\":" + count
          + ",\"rate\":" + (committed / seconds) + ",\"cpuUs\":" + (cpuNs / 1000.0 / committed) + "}");
    }
  }

  private static int run(Producer producer, String topic, byte[] body, int inFlight, int n)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger committed = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < inFlight; i++) {
      Thread t = new Thread(() -> {
        while (next.getAndIncrement() < n) {
          try {
            Transaction tx = producer.beginTransaction();
            Message m = PROVIDER.newMessageBuilder().setTopic(topic).setTag("TagA").setBody(body).build();
            producer.send(m, tx);
            tx.commit();
            committed.incrementAndGet();
          } catch (Exception e) {
            System.err.println("transaction failed: " + e);
          }
        }
      });
      t.start();
      workers.add(t);
    }
    for (Thread t : workers) t.join();
    return committed.get();
  }

  private static void consume(ClientConfiguration config, String topic, String group, int expected,
      long timeoutMs) throws Exception {
    try (SimpleConsumer consumer = startConsumer(config, topic, group)) {
      System.out.println("ready");
      Set<String> seen = new HashSet<>();
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (seen.size() < expected && System.currentTimeMillis() < deadline) {
        List<MessageView> views;
        try {
          views = consumer.receive(16, Duration.ofSeconds(20));
        } catch (Exception e) {
          // A long poll the proxy cuts short (or finds nothing for) is an error; poll again.
          Thread.sleep(100);
          continue;
        }
        for (MessageView view : views) {
          seen.add(view.getMessageId().toString());
          System.out.println(json(view));
          consumer.ack(view);
        }
      }
      System.out.println("done");
    }
  }

  /** Its startup has a short fixed deadline of its own, which a crowded machine can miss: try again. */
  private static SimpleConsumer startConsumer(ClientConfiguration config, String topic, String group)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return PROVIDER.newSimpleConsumerBuilder()
            .setClientConfiguration(config)
            .setConsumerGroup(group)
            .setAwaitDuration(Duration.ofSeconds(10))
            .setSubscriptionExpressions(Collections.singletonMap(topic, FilterExpression.SUB_ALL))
            .build();
      } catch (Exception e) {
        if (attempt == 5) throw e;
        System.err.println("consumer startup failed, trying again: " + e);
        Thread.sleep(1_000);
      }
    }
  }

  private static String json(MessageView view) {
    ByteBuffer body = view.getBody();
    byte[] bytes = new byte[body.remaining()];
    body.get(bytes);
    StringBuilder keys = new StringBuilder();
    for (String key : view.getKeys()) keys.append(keys.length() == 0 ? "" : ",").append(str(key));
    StringBuilder props = new StringBuilder();
    for (Map.Entry<String, String> e : view.getProperties().entrySet()) {
      props.append(props.length() == 0 ? "" : ",").append(str(e.getKey())).append(':').append(str(e.getValue()));
    }
    return "{\"messageId\":" + str(view.getMessageId().toString())
        + ",\"topic\":" + str(view.getTopic())
        + ",\"tag\":" + (view.getTag().isPresent() ? str(view.getTag().get()) : "null")
        + ",\"keys\":[" + keys + "]"
        + ",\"properties\":{" + props + "}"
        + ",\"body\":" + str(Base64.getEncoder().encodeToString(bytes)) + "}";
  }

  private static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
