package io.resonance.mesh.jobs.io;

import io.resonance.mesh.security.RecordMac;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Passes records through untouched, with the mesh's authenticator headers; it cannot fail, so no
 * record can stop the source.
 */
public final class KafkaBytesDeserializer implements KafkaRecordDeserializationSchema<KafkaBytes> {

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaBytes> out) {
    KafkaBytes bytes =
        new KafkaBytes(
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.key(),
            record.value());
    bytes.authKeyId = header(record, RecordMac.KEY_HEADER);
    bytes.authSequence = header(record, RecordMac.SEQUENCE_HEADER);
    bytes.authTimestamp = header(record, RecordMac.TIMESTAMP_HEADER);
    bytes.authMac = header(record, RecordMac.MAC_HEADER);
    out.collect(bytes);
  }

  private static byte[] header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : h.value();
  }

  @Override
  public TypeInformation<KafkaBytes> getProducedType() {
    return TypeInformation.of(KafkaBytes.class);
  }
}
