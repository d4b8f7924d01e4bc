package io.resonance.mesh.operators.mutation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * What the mutation operators know about handler types beyond their names: which are
 * interchangeable, which are deterministic, which inputs they only wait on, what they cost and how
 * much they write, and which handlers shrink an item or read its shrunk form. A recipe's graph says
 * what flows where; only this says which rewrites of it keep its meaning, so every operator and
 * {@link MutationValidator} consult the same catalog.
 *
 * <p>Read from YAML ({@link #parseYaml}) or built in code ({@link #builder()}):
 *
 * <pre>
 * cache:                          # optional; without it no cache is ever inserted
 *   lookup: cache_lookup          # answers a step from the cache, fails on a miss
 *   store: cache_store            # files a step's result under its inputs
 * handlers:
 *   enrich_v1:
 *     tags: [enrich]              # shares a tag with enrich_v2: functionally equivalent
 *     deterministic: true         # default false
 *     latency_ms: 900             # default 0
 *     cost: 1.0                   # default 0
 *     output_bytes: 65536         # default 0 (unknown)
 *     waits_on: [session]         # inputs only waited on, never read; default none
 *     accepts_compact: [profile]  # items it can read in compact form; default none
 *     ignores_other_inputs: true  # picks inputs by name, so an added input is only a wait;
 *                                 # default false
 *   project_profile:
 *     compacts: profile           # shrinks this item to its compact form
 *     output_bytes: 512
 * </pre>
 *
 * <p>Item names in {@code waits_on}, {@code accepts_compact} and {@code compacts} are the data item
 * names recipes use: the catalog describes one deployment's vocabulary. Unknown fields are refused
 * so that a misspelt {@code deterministc: true} cannot silently leave a step uncacheable or, worse,
 * a misspelt {@code waits_on} read as none.
 */
public final class HandlerCatalog {

  private static final List<String> TOP_FIELDS = List.of("cache", "handlers");
  private static final List<String> CACHE_FIELDS = List.of("lookup", "store");
  private static final List<String> HANDLER_FIELDS =
      List.of(
          "tags",
          "deterministic",
          "latency_ms",
          "cost",
          "output_bytes",
          "waits_on",
          "accepts_compact",
          "compacts",
          "ignores_other_inputs");

  private final Map<String, HandlerProfile> profiles;
  private final String cacheLookup;
  private final String cacheStore;

  private HandlerCatalog(
      Map<String, HandlerProfile> profiles, String cacheLookup, String cacheStore) {
    this.profiles = Map.copyOf(profiles);
    this.cacheLookup = cacheLookup;
    this.cacheStore = cacheStore;
  }

  /** The profile of a handler type; a cautious {@link HandlerProfile#unknown} when undescribed. */
  public HandlerProfile profile(String handlerType) {
    return profiles.getOrDefault(handlerType, HandlerProfile.unknown(handlerType));
  }

  public Collection<HandlerProfile> profiles() {
    return profiles.values();
  }

  public Set<String> handlerTypes() {
    return profiles.keySet();
  }

  /** Other handler types sharing a tag with this one, cheapest first. */
  public List<HandlerProfile> equivalentsOf(String handlerType) {
    HandlerProfile self = profile(handlerType);
    return profiles.values().stream()
        .filter(p -> !p.handlerType().equals(handlerType) && p.equivalentTo(self))
        .sorted(
            java.util.Comparator.comparingDouble(HandlerProfile::cost)
                .thenComparing(HandlerProfile::handlerType))
        .toList();
  }

  /** Handlers that shrink {@code item}, smallest compact form first. */
  public List<HandlerProfile> compactorsOf(String item) {
    return profiles.values().stream()
        .filter(p -> item.equals(p.compacts()))
        .sorted(
            java.util.Comparator.comparingLong(HandlerProfile::outputBytes)
                .thenComparing(HandlerProfile::handlerType))
        .toList();
  }

  public Optional<String> cacheLookup() {
    return Optional.ofNullable(cacheLookup);
  }

  public Optional<String> cacheStore() {
    return Optional.ofNullable(cacheStore);
  }

  public boolean isCacheLookup(String handlerType) {
    return handlerType.equals(cacheLookup);
  }

  public boolean isCacheStore(String handlerType) {
    return handlerType.equals(cacheStore);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a catalog from YAML in the format of the class comment.
   *
   * @throws IllegalArgumentException naming the field to fix, when the text is not such a catalog
   */
  public static HandlerCatalog parseYaml(String text) {
    Object root;
    try {
      root = yaml().load(text);
    } catch (YAMLException e) {
      throw new IllegalArgumentException("handler catalog is not valid YAML: " + e.getMessage(), e);
    }
    Map<String, Object> top = mapping(root, "the catalog", TOP_FIELDS);
    Builder b = builder();
    if (top.get("cache") != null) {
      Map<String, Object> cache = mapping(top.get("cache"), "cache", CACHE_FIELDS);
      b.cache(text(cache, "lookup", "cache"), text(cache, "store", "cache"));
    }
    Map<String, Object> handlers =
        top.get("handlers") == null ? Map.of() : mapping(top.get("handlers"), "handlers", null);
    for (Map.Entry<String, Object> e : handlers.entrySet()) {
      String type = e.getKey();
      String at = "handlers." + type;
      Map<String, Object> h =
          mapping(e.getValue() == null ? Map.of() : e.getValue(), at, HANDLER_FIELDS);
      b.handler(
          new HandlerProfile(
              type,
              Set.copyOf(names(h, "tags", at)),
              Boolean.TRUE.equals(typed(h, "deterministic", at, Boolean.class)),
              Set.copyOf(names(h, "waits_on", at)),
              number(h, "latency_ms", at).longValue(),
              number(h, "cost", at).doubleValue(),
              number(h, "output_bytes", at).longValue(),
              h.containsKey("compacts") ? text(h, "compacts", at) : null,
              Set.copyOf(names(h, "accepts_compact", at)),
              Boolean.TRUE.equals(typed(h, "ignores_other_inputs", at, Boolean.class))));
    }
    return b.build();
  }

  /** Builds a catalog in code, for tests and for catalogs assembled from agent capabilities. */
  public static final class Builder {
    private final Map<String, HandlerProfile> profiles = new LinkedHashMap<>();
    private String cacheLookup;
    private String cacheStore;

    private Builder() {}

    public Builder handler(HandlerProfile profile) {
      profiles.put(profile.handlerType(), profile);
      return this;
    }

    /**
     * A handler with only what most tests need: its cost taken as its latency, and the rest at the
     * cautious defaults (reads every input, no compact forms, extra inputs not ignored).
     */
    public Builder handler(
        String type, Set<String> tags, boolean deterministic, long latencyMs, long outputBytes) {
      return handler(
          new HandlerProfile(
              type,
              tags,
              deterministic,
              Set.of(),
              latencyMs,
              latencyMs,
              outputBytes,
              null,
              Set.of(),
              false));
    }

    /** Declares the cache's two handler types; both are then known handler types too. */
    public Builder cache(String lookup, String store) {
      this.cacheLookup = lookup;
      this.cacheStore = store;
      profiles.putIfAbsent(lookup, HandlerProfile.unknown(lookup));
      profiles.putIfAbsent(store, HandlerProfile.unknown(store));
      return this;
    }

    public HandlerCatalog build() {
      return new HandlerCatalog(profiles, cacheLookup, cacheStore);
    }
  }

  // ---- YAML reading: every failure names the field, so the catalog's author knows what to fix

  @SuppressWarnings("unchecked")
  private static Map<String, Object> mapping(Object node, String at, List<String> known) {
    if (!(node instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(at + " must be a mapping, not " + describe(node));
    }
    if (known != null) {
      for (Object key : m.keySet()) {
        if (!known.contains(String.valueOf(key))) {
          throw new IllegalArgumentException(
              "unknown field '"
                  + key
                  + "' in "
                  + at
                  + " (known: "
                  + String.join(", ", known)
                  + ")");
        }
      }
    }
    return (Map<String, Object>) m;
  }

  private static String text(Map<String, Object> m, String field, String at) {
    Object v = m.get(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(at + "." + field + " must be a name, not " + describe(v));
    }
    return s;
  }

  private static List<String> names(Map<String, Object> m, String field, String at) {
    Object v = m.get(field);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list) || !list.stream().allMatch(x -> x instanceof String)) {
      throw new IllegalArgumentException(
          at + "." + field + " must be a list of names, not " + describe(v));
    }
    List<String> out = new ArrayList<>();
    list.forEach(x -> out.add((String) x));
    return out;
  }

  private static Number number(Map<String, Object> m, String field, String at) {
    Number n = typed(m, field, at, Number.class);
    if (n == null) {
      return 0;
    }
    if (n.doubleValue() < 0 || Double.isNaN(n.doubleValue())) {
      throw new IllegalArgumentException(at + "." + field + " must not be negative, not " + n);
    }
    return n;
  }

  private static <T> T typed(Map<String, Object> m, String field, String at, Class<T> type) {
    Object v = m.get(field);
    if (v == null) {
      return null;
    }
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException(
          at
              + "."
              + field
              + " must be a "
              + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)
              + ", not "
              + describe(v));
    }
    return type.cast(v);
  }

  private static String describe(Object v) {
    return v == null
        ? "nothing"
        : v instanceof Map ? "a mapping" : v instanceof List ? "a list" : "'" + v + "'";
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(16);
    DumperOptions dump = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dump), dump, options);
  }
}
