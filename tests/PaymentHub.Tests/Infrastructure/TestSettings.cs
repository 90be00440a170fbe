namespace PaymentHub.Tests.Infrastructure;

/// <summary>The one way a harness lays a test's settings over its defaults.</summary>
public static class TestSettings
{
    /// <summary>
    /// A copy of <paramref name="defaults"/> with each of <paramref name="overrides"/> put over it, key by key. A null value
    /// is kept too: <see cref="PaymentHubApp"/> then leaves that setting to the gateway's own configuration.
    /// </summary>
    public static Dictionary<string, string?> Merge(IEnumerable<KeyValuePair<string, string?>> defaults, IEnumerable<KeyValuePair<string, string?>>? overrides)
    {
        var all = new Dictionary<string, string?>(defaults);
        foreach (var (key, value) in overrides ?? [])
        {
            all[key] = value;
        }
        return all;
    }

    /// <summary>Whether two sets of settings say the same (no settings and none at all are the same).</summary>
    public static bool Same(IDictionary<string, string?>? a, IDictionary<string, string?>? b) =>
        (a ?? new Dictionary<string, string?>()).OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .SequenceEqual((b ?? new Dictionary<string, string?>()).OrderBy(kv => kv.Key, StringComparer.Ordinal));
}
