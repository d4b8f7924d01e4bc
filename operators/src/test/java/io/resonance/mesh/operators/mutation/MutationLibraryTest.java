package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.CACHE_MIN_LATENCY_MS;
import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MutationLibraryTest {

  private final MutationLibrary library = MutationLibrary.standard(catalog(), CACHE_MIN_LATENCY_MS);

  @Test
  void everyOperatorFindsItsPlaceInTheCheckoutRecipeAndEveryProposalIsAccepted() {
    MutationLibrary.Proposals proposals = library.propose(checkout());

    assertThat(proposals.refused()).isEmpty();
    assertThat(proposals.accepted())
        .extracting(p -> p.mutated().specId())
        .containsExactly(
            "checkout-score~reorder-1",
            "checkout-score~substitute-1",
            "checkout-score~parallelize-1",
            "checkout-score~cache-1",
            "checkout-score~shrink-1");
    assertThat(proposals.accepted()).allMatch(p -> p.recipe().equals(checkout()));
  }

  @Test
  void everyAcceptedVariantTravelsAsAvroToTheOrchestratorUnchanged() {
    for (MutationProposal p : library.propose(checkout()).accepted()) {
      GraphSpec back = GclAvro.fromAvro(GclAvro.toAvro(p.mutated()));

      assertThat(back.specId()).isEqualTo(p.mutated().specId());
      assertThat(back.computations()).as(p.description()).isEqualTo(p.mutated().computations());
    }
  }

  @Test
  void variantsOfVariantsAreStillJudgedAgainstTheRecipe() {
    GraphSpec recipe = checkout();
    MutationValidator validator = new MutationValidator(catalog());
    List<MutationProposal> first = library.propose(recipe).accepted();

    for (MutationProposal p : first) {
      for (MutationProposal q : library.propose(p.mutated()).accepted()) {
        assertThat(validator.check(recipe, q.mutated()))
            .as("%s then %s", p.description(), q.description())
            .isEmpty();
      }
    }
  }

  @Test
  void aRecipeOnHandlersTheCatalogDoesNotDescribeIsLeftAlone() throws IOException {
    GraphSpec anomaly;
    try (InputStream in = getClass().getResourceAsStream("/gcl/cluster-anomaly.yaml")) {
      anomaly = GclParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)).spec();
    }

    MutationLibrary.Proposals proposals = library.propose(anomaly);

    assertThat(proposals.accepted()).isEmpty();
    assertThat(proposals.refused()).isEmpty();
  }

  @Test
  void anInvalidRecipeIsRefusedWithWhatToFix() {
    GraphSpec broken =
        MutationTesting.edit(checkout(), "ingest", c -> MutationTesting.inputs(c, "requets"));

    assertThatThrownBy(() -> library.propose(broken))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fix it before mutating it")
        .hasMessageContaining("did you mean 'request'?");
  }

  @Test
  void anOperatorsBadProposalIsRefusedWithItsReasons() {
    RecipeMutation dropper =
        new RecipeMutation() {
          @Override
          public String name() {
            return "drop";
          }

          @Override
          public List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog) {
            return List.of(
                MutationProposal.of(
                    "drop", 1, "drop the report", recipe, recipe.computations().subList(0, 3)));
          }
        };

    MutationLibrary.Proposals proposals =
        new MutationLibrary(catalog(), List.of(dropper)).propose(checkout());

    assertThat(proposals.accepted()).isEmpty();
    assertThat(proposals.refused())
        .singleElement()
        .satisfies(r -> assertThat(r.problems()).contains("step 'report' of the recipe is gone"));
  }
}
