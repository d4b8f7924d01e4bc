package io.resonance.mesh.jobs.io;

/**
 * One Kafka record as it came off the wire, before decoding. Decoding happens in the operator right
 * after the source, so that bytes which do not decode can go to the dead-letter topic with their
 * origin instead of failing the source.
 */
public class KafkaBytes {
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;
  public byte[] key;
  public byte[] value;

  /**
   * The authenticator headers ({@code io.resonance.mesh.security.RecordMac}), raw, null when
   * absent: carried so that the verifier can check the record after the shuffle by agent id.
   */
  public byte[] authKeyId;

  public byte[] authSequence;
  public byte[] authTimestamp;
  public byte[] authMac;

  public KafkaBytes() {}

  public KafkaBytes(
      String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
  }
}
