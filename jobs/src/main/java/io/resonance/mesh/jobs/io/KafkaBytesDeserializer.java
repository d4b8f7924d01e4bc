package io.resonance.mesh.jobs.io;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Passes records through untouched; it cannot fail, so no record can stop the source. */
public final class KafkaBytesDeserializer implements KafkaRecordDeserializationSchema<KafkaBytes> {

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaBytes> out) {
    out.collect(new KafkaBytes(record.topic(), record.partition(), record.offset(),
        record.timestamp(), record.key(), record.value()));
  }

  @Override
  public TypeInformation<KafkaBytes> getProducedType() {
    return TypeInformation.of(KafkaBytes.class);
  }
}
