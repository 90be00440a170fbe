using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Fulfilment;
using PaymentHub.Recharge;

namespace PaymentHub.Connectors.Nurr;

public sealed class NurrOptions
{
    public const string Section = "Connectors:Nurr";

    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public string? ApiSecret { get; set; }

    /// <summary>
    /// Whether an unknown recharge outcome is resolved by <c>mobile-recharge.php?action=status_check</c>. nurr.top documents
    /// no such query (another PaymentHub answers it); when false, such a recharge waits for the operator.
    /// </summary>
    public bool RechargeStatusCheck { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl) && !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(ApiSecret);
}

/// <summary>How an upstream reply is to be read, before anyone asks what it says about an order.</summary>
public enum NurrReplyKind
{
    /// <summary>HTTP 200 with a JSON object.</summary>
    Answer,

    /// <summary>
    /// A 4xx with an <c>{"error": …}</c> body: the upstream refused this request. A refused submit was not carried out;
    /// a refused status query says nothing at all about the order.
    /// </summary>
    Refused,

    /// <summary>Nothing left this side: every attempt found the connection refused, or the circuit was open.</summary>
    NotSent,

    /// <summary>Anything else (timeouts, resets, 5xx, 408/409/429, HTML, malformed or unreadable bodies): nobody knows.</summary>
    Unknown,
}

public sealed record NurrReply(NurrReplyKind Kind, int HttpStatus, JsonElement Body, string? Error)
{
    /// <summary>A string or number field of an <see cref="NurrReplyKind.Answer"/>; null otherwise.</summary>
    public string? Text(string name) => JsonFields.Text(Body, name);
}

/// <summary>
/// Client for an upstream that speaks nurr's API (nurr.top itself, or another PaymentHub), behind the upstream's
/// resilience pipeline (<c>Connectors:Nurr</c>): status queries and catalogue lookups are retried, a submit is resent
/// only when the connection was refused. Every reply is untrusted; none becomes an exception.
/// </summary>
public sealed partial class NurrClient(HttpClient http, IOptions<NurrOptions> options, ILogger<NurrClient> logger)
{
    /// <summary>The upstream's name, which is also its named HTTP client's.</summary>
    public const string HttpClientName = ConnectorNames.Nurr;
    private static readonly HashSet<string> SafeActions = ["status_check", "provider_check", "service_check"];
    private readonly NurrOptions _options = options.Value;

    public bool IsConfigured => _options.IsConfigured;

    public bool RechargeStatusCheck => _options.RechargeStatusCheck;

    /// <summary>Sends a request; only <c>action=status_check</c>, <c>provider_check</c> and <c>service_check</c> count as safe to repeat.</summary>
    public async Task<NurrReply> PostAsync(string pathAndQuery, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken ct)
    {
        var action = ActionOf(pathAndQuery);
        var form = new List<KeyValuePair<string, string>> { new("api_key", _options.ApiKey!), new("api_secret", _options.ApiSecret!) };
        form.AddRange(fields);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(_options.BaseUrl!.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/')))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Options.Set(UpstreamResilience.SafeToRepeat, SafeActions.Contains(action));
        var response = await UpstreamCalls.SendAsync(http, request, logger, "nurr", action, ct);
        if (response.NoReply is { } none)
        {
            return new NurrReply(none.NotSent ? NurrReplyKind.NotSent : NurrReplyKind.Unknown, 0, default,
                none.NotSent ? $"The upstream could not be reached ({none.Failure}); nothing was sent." : $"No reply from the upstream ({none.Failure}).");
        }
        var reply = Classify((int)response.Status, response.Json);
        LogReply(action, reply.HttpStatus, reply.Kind, reply.Error);
        return reply;
    }

    internal static NurrReply Classify(int status, JsonElement? body)
    {
        if (body is not { } root)
        {
            return new NurrReply(NurrReplyKind.Unknown, status, default, $"Upstream answered HTTP {status} without readable JSON");
        }
        var error = JsonFields.Text(root, "error");
        var kind = status switch
        {
            200 when root.ValueKind == JsonValueKind.Object => NurrReplyKind.Answer,
            // 408/429: not handled yet; 409: the upstream is still working on this request id.
            408 or 409 or 429 => NurrReplyKind.Unknown,
            >= 400 and < 500 when error is not null => NurrReplyKind.Refused,
            _ => NurrReplyKind.Unknown,
        };
        var note = kind switch
        {
            NurrReplyKind.Answer => null,
            NurrReplyKind.Refused => error,
            _ => error is null ? $"Upstream answered HTTP {status}" : $"Upstream answered HTTP {status}: {error}",
        };
        return new NurrReply(kind, status, root, note);
    }

    private static string ActionOf(string pathAndQuery)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? pathAndQuery[(at + 1)..] : "";
        var action = query.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "action");
        return action is [_, var value] ? Uri.UnescapeDataString(value) : "submit";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "nurr {Action}: HTTP {Status}, {Kind} {Error}")]
    private partial void LogReply(string action, int status, NurrReplyKind kind, string? error);
}

public static class NurrRegistration
{
    /// <summary>
    /// The nurr connector for recharges and bills, behind its own resilience pipeline (<c>Connectors:Nurr:TimeoutSeconds</c>,
    /// <c>AttemptTimeoutSeconds</c>, <c>MaxRetries</c>, breaker settings…). An attempt may take 20 s by default: a nurr
    /// recharge is answered synchronously, after the hub has asked its own operator.
    /// </summary>
    public static IServiceCollection AddNurrConnector(this IServiceCollection services)
    {
        services.AddOptions<NurrOptions>().BindConfiguration(NurrOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.BaseUrl)
                           || UpstreamHttpClients.IsHttpUrl(o.BaseUrl),
                "Connectors:Nurr:BaseUrl must be an absolute http(s) URL.")
            .ValidateOnStart();
        services.AddOptions<UpstreamResilienceOptions>(ConnectorNames.Nurr).Configure(o => o.AttemptTimeoutSeconds = 20);
        services.AddUpstreamHttpClient<NurrClient>(NurrClient.HttpClientName, NurrOptions.Section);
        services.AddSingleton<IRechargeConnector, NurrRechargeConnector>();
        services.AddSingleton<IBillConnector, NurrBillConnector>();
        return services;
    }
}
