package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HandlerCatalogTest {

  @Test
  void readsEveryFieldOfTheYamlFormat() {
    HandlerCatalog c = catalog();

    assertThat(c.cacheLookup()).contains("cache_lookup");
    assertThat(c.cacheStore()).contains("cache_store");
    HandlerProfile enrich = c.profile("enrich_v1");
    assertThat(enrich.tags()).containsExactly("enrich");
    assertThat(enrich.deterministic()).isTrue();
    assertThat(enrich.latencyMs()).isEqualTo(900);
    assertThat(enrich.cost()).isEqualTo(1.0);
    assertThat(enrich.outputBytes()).isEqualTo(65536);
    assertThat(c.profile("scorer").waitsOn()).containsExactly("enriched");
    assertThat(c.profile("scorer").deterministic()).isFalse();
    assertThat(c.profile("scorer").ignoresOtherInputs()).isFalse();
    assertThat(c.profile("enrich_v1").ignoresOtherInputs()).isTrue();
    assertThat(c.profile("reporter").acceptsCompact()).containsExactly("enriched");
    assertThat(c.compactorsOf("enriched"))
        .extracting(HandlerProfile::handlerType)
        .containsExactly("project_enriched");
  }

  @Test
  void equivalentsShareATagAndComeCheapestFirst() {
    assertThat(catalog().equivalentsOf("enrich_v1"))
        .extracting(HandlerProfile::handlerType)
        .containsExactly("enrich_v2");
    assertThat(catalog().equivalentsOf("scorer")).isEmpty();
  }

  @Test
  void aHandlerNobodyDescribedIsTreatedCautiously() {
    HandlerProfile unknown = catalog().profile("gpu_analysis");

    assertThat(unknown.deterministic()).isFalse();
    assertThat(unknown.tags()).isEmpty();
    assertThat(unknown.waitsOn()).isEmpty();
    assertThat(unknown.acceptsCompact()).isEmpty();
  }

  @Test
  void aMisspeltFieldIsRefusedRatherThanReadAsItsDefault() {
    assertThatThrownBy(
            () -> HandlerCatalog.parseYaml("handlers:\n  enrich:\n    deterministc: true\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown field 'deterministc' in handlers.enrich (known: tags, "
                + "deterministic, latency_ms, cost, output_bytes, waits_on, accepts_compact, "
                + "compacts, ignores_other_inputs)");
  }

  @Test
  void aValueOfTheWrongTypeNamesTheField() {
    assertThatThrownBy(
            () -> HandlerCatalog.parseYaml("handlers:\n  enrich:\n    waits_on: enriched\n"))
        .hasMessage("handlers.enrich.waits_on must be a list of names, not 'enriched'");
    assertThatThrownBy(() -> HandlerCatalog.parseYaml("handlers:\n  enrich:\n    latency_ms: -3\n"))
        .hasMessage("handlers.enrich.latency_ms must not be negative, not -3");
    assertThatThrownBy(() -> HandlerCatalog.parseYaml("handlers: [a, b]\n"))
        .hasMessage("handlers must be a mapping, not a list");
  }
}
