using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PaymentHub.Infrastructure;

namespace PaymentHub.Resellers;

/// <summary>
/// An API key's IP allowlist: IPv4/IPv6 addresses and CIDR ranges. Entries are normalised when stored (an IPv4-mapped
/// IPv6 address or range becomes its IPv4 form), and so is the caller's address when checked; an empty list allows all.
/// </summary>
public sealed partial class ApiKeyAllowlist
{
    public const int MaxEntries = 50;
    public const int MaxEntryLength = 64;
    public const int MaxStoredLength = MaxEntries * (MaxEntryLength + 1);

    public static readonly ApiKeyAllowlist Everyone = new([]);

    private readonly IPNetwork[] _networks;

    private ApiKeyAllowlist(IPNetwork[] networks) => _networks = networks;

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>The entries as stored and shown: an address alone, a range as CIDR.</summary>
    public IReadOnlyList<string> Entries => [.. _networks.Select(Format)];

    public bool Allows(IPAddress? address)
    {
        if (_networks.Length == 0)
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        var canonical = ClientAddresses.Canonical(address);
        return _networks.Any(n => n.Contains(canonical));
    }

    /// <summary>Reads the stored form (null or "" is the empty list); entries were validated when written.</summary>
    public static ApiKeyAllowlist FromStored(string? stored) =>
        string.IsNullOrEmpty(stored)
            ? Everyone
            : new ApiKeyAllowlist([.. stored.Split(',').Select(e => TryParseEntry(e, out var n) ? n : throw new InvalidOperationException($"Stored allowlist entry '{e}' is invalid."))]);

    /// <summary>The stored form of entries that <see cref="IsValidEntry"/> accepted; null for an empty list.</summary>
    public static string? ToStored(IEnumerable<string> entries)
    {
        var normalised = entries.Select(e => TryParseEntry(e, out var n) ? Format(n) : throw new ArgumentException($"'{e}' is not a valid allowlist entry.", nameof(entries)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return normalised.Count == 0 ? null : string.Join(',', normalised);
    }

    public static bool IsValidEntry(string? entry) => entry is not null && TryParseEntry(entry, out _);

    private static bool TryParseEntry(string entry, out IPNetwork network)
    {
        network = default;
        // ASCII spaces only: a newline or a no-break space is a wrong entry, not padding.
        var text = entry.Trim(' ');
        if (text.Length is 0 or > MaxEntryLength)
        {
            return false;
        }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            return false;
        }
        var fullLength = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = fullLength;
        if (slash >= 0 && !(PrefixPattern().IsMatch(text[(slash + 1)..]) && int.TryParse(text[(slash + 1)..], out prefix) && prefix <= fullLength))
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            if (prefix < 96)
            {
                return false;
            }
            address = address.MapToIPv4();
            prefix -= 96;
        }
        // A base address with bits set past the prefix (10.1.2.3/24) is refused rather than guessed at.
        return IPNetwork.TryParse($"{address}/{prefix}", out network) && network.BaseAddress.Equals(address);
    }

    private static bool TryParseAddress(string text, out IPAddress address)
    {
        // IPAddress.Parse also takes "10.1" or "167772161" as IPv4: only the dotted quad is an IPv4 entry here.
        if (!IPAddress.TryParse(text, out address!) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }
        return address.AddressFamily == AddressFamily.InterNetwork
            ? DottedQuadPattern().IsMatch(text)
            : address.ScopeId == 0 && text.Contains(':', StringComparison.Ordinal);
    }

    private static string Format(IPNetwork network) =>
        network.PrefixLength == (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            ? network.BaseAddress.ToString()
            : network.ToString();

    [GeneratedRegex(@"\A(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\z")]
    private static partial Regex DottedQuadPattern();

    [GeneratedRegex(@"\A[0-9]{1,3}\z")]
    private static partial Regex PrefixPattern();
}
