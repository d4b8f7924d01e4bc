package io.resonance.mesh.operators.mutation.trial;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import org.junit.jupiter.api.Test;

/**
 * The mutation loop's state is Flink POJOs all the way down (Avro inside): RocksDB stores it
 * compactly and a field added later keeps savepoints readable, which Kryo would not.
 */
class TrialStateTypesTest {

  @Test
  void everyStateTypeIsAPojoWithoutKryo() {
    assertSerializedAsPojoWithoutKryo(RecipeBook.class);
    assertSerializedAsPojoWithoutKryo(RecipeTrial.class);
    assertSerializedAsPojoWithoutKryo(TrialSide.class);
    assertSerializedAsPojoWithoutKryo(OperatorArm.class);
    assertSerializedAsPojoWithoutKryo(InFlightRequest.class);
    assertSerializedAsPojoWithoutKryo(RecipeInput.class);
  }
}
