using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.Resilience;

namespace PaymentHub.Connectors.Iak;

public sealed class IakOptions
{
    public const string Section = "Connectors:Iak";

    public string? BaseUrl { get; set; }
    public string? Username { get; set; }
    public string? ApiKey { get; set; }
    /// <summary>First delay before asking IAK again about a pending or unknown outcome; doubles per attempt, capped at 5 minutes.</summary>
    public double PendingRetrySeconds { get; set; } = 5;
    /// <summary>How long after sending a payment IAK's "payment not received" (status 0, rc 42) is believed.</summary>
    public double NotReceivedGraceSeconds { get; set; } = 120;
}

/// <summary>How one IAK reply is to be read. <see cref="Unknown"/> means nobody knows whether IAK acted on it.</summary>
public enum IakOutcome
{
    Success,
    Pending,
    Failed,
    Unknown,
}

public sealed record IakData(
    string? TrId, string? RefId, string? CustomerName, string? Period, decimal? Nominal, decimal? Admin, decimal? Price,
    string? NoRef, int? Status);

public sealed record IakReply(IakOutcome Outcome, string? ResponseCode, string Message, IakData? Data, int HttpStatus = 0);

public sealed record IakProduct(string Code, string Name, string? Type, string? Category, decimal? Fee, decimal? Commission, bool Active);

public sealed record IakPriceList(IakOutcome Outcome, string Message, IReadOnlyList<IakProduct> Products);

/// <summary>Typed client for IAK's postpaid API (<c>POST {base}/api/v1/bill/check</c>, JSON).</summary>
public sealed partial class IakClient(HttpClient http, IOptions<IakOptions> options, ILogger<IakClient> logger)
{
    private static readonly HashSet<string> PendingCodes = ["05", "39", "201"];
    private readonly IakOptions _options = options.Value;

    public Task<IakReply> InquiryAsync(string productCode, string customerNumber, string refId, CancellationToken ct) =>
        SendAsync("inq-pasca", new Dictionary<string, string>
        {
            ["code"] = productCode,
            ["hp"] = customerNumber,
            ["ref_id"] = refId,
            ["sign"] = Sign(refId),
        }, safeToRepeat: true, ct);

    public Task<IakReply> PayAsync(string trId, CancellationToken ct) =>
        SendAsync("pay-pasca", new Dictionary<string, string> { ["tr_id"] = trId, ["sign"] = Sign(trId) }, safeToRepeat: false, ct);

    public Task<IakReply> CheckStatusAsync(string refId, CancellationToken ct) =>
        SendAsync("checkstatus", new Dictionary<string, string> { ["ref_id"] = refId, ["sign"] = Sign("cs") }, safeToRepeat: true, ct);

    public async Task<IakPriceList> PriceListAsync(CancellationToken ct)
    {
        var (status, root, error) = await PostAsync("pricelist-pasca", new Dictionary<string, string> { ["sign"] = Sign("pl"), ["status"] = "all" }, true, ct);
        if (error is not null || status != HttpStatusCode.OK)
        {
            return new IakPriceList(IakOutcome.Unknown, error ?? $"IAK answered HTTP {(int)status}.", []);
        }
        if (root is not { ValueKind: JsonValueKind.Object } || !root.Value.TryGetProperty("data", out var data)
            || data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("pasca", out var pasca) || pasca.ValueKind != JsonValueKind.Array)
        {
            var rc = root is { ValueKind: JsonValueKind.Object } && root.Value.TryGetProperty("data", out var d) ? JsonFields.Text(d, "response_code") : null;
            return new IakPriceList(rc is null ? IakOutcome.Unknown : IakOutcome.Failed,
                rc is null ? "IAK's price list reply was not understood." : $"IAK refused the price list (rc {rc}).", []);
        }
        var products = new List<IakProduct>();
        foreach (var item in pasca.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || JsonFields.Text(item, "code") is not { Length: > 0 } code)
            {
                continue;
            }
            products.Add(new IakProduct(code, JsonFields.Text(item, "name") ?? code, JsonFields.Text(item, "type"), JsonFields.Text(item, "category"),
                JsonFields.Money(item, "fee"), JsonFields.Money(item, "komisi"), JsonFields.WholeNumber(item, "status") == 1));
        }
        return new IakPriceList(IakOutcome.Success, "OK", products);
    }

    private async Task<IakReply> SendAsync(string command, Dictionary<string, string> fields, bool safeToRepeat, CancellationToken ct)
    {
        var (status, root, error) = await PostAsync(command, fields, safeToRepeat, ct);
        var reply = Classify(status, root, error) with { HttpStatus = (int)status };
        LogReply(command, (int)status, reply.ResponseCode, reply.Outcome);
        return reply;
    }

    private async Task<(HttpStatusCode Status, JsonElement? Root, string? Error)> PostAsync(
        string command, Dictionary<string, string> fields, bool safeToRepeat, CancellationToken ct)
    {
        var body = new Dictionary<string, string> { ["commands"] = command, ["username"] = _options.Username ?? "" };
        foreach (var (key, value) in fields)
        {
            body[key] = value;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.BaseUrl!.TrimEnd('/') + "/api/v1/bill/check")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Options.Set(UpstreamResilience.SafeToRepeat, safeToRepeat);
        var response = await UpstreamCalls.SendAsync(http, request, logger, "IAK", command, ct);
        return (response.Status, response.Json, response.NoReply is { } none ? $"No reply from IAK ({none.Failure})." : null);
    }

    internal static IakReply Classify(HttpStatusCode status, JsonElement? root, string? transportError)
    {
        if (transportError is not null)
        {
            return new IakReply(IakOutcome.Unknown, null, transportError, null);
        }
        JsonElement? data = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object
            ? d
            : null;
        var rc = data is { } dd ? JsonFields.Text(dd, "response_code") : null;
        var message = data is { } dm ? JsonFields.Text(dm, "message") : null;
        if (status == HttpStatusCode.BadRequest)
        {
            return new IakReply(IakOutcome.Failed, rc, message ?? "IAK refused the request (HTTP 400).", data is { } d400 ? Read(d400) : null);
        }
        if (status != HttpStatusCode.OK)
        {
            // IAK: any HTTP status other than 200 and 400 means "pending, ask again".
            return new IakReply(IakOutcome.Unknown, rc, $"IAK answered HTTP {(int)status}.", null);
        }
        if (data is not { } ok || rc is null)
        {
            return new IakReply(IakOutcome.Unknown, null, "IAK's reply was not understood.", null);
        }
        var outcome = rc == "00" ? IakOutcome.Success : PendingCodes.Contains(rc) ? IakOutcome.Pending : IakOutcome.Failed;
        return new IakReply(outcome, rc, message ?? $"IAK response code {rc}", Read(ok));
    }

    private static IakData Read(JsonElement data) => new(
        JsonFields.Text(data, "tr_id"), JsonFields.Text(data, "ref_id"), JsonFields.Text(data, "tr_name"), JsonFields.Text(data, "period"),
        JsonFields.Money(data, "nominal"), JsonFields.Money(data, "admin"), JsonFields.Money(data, "price"), JsonFields.Text(data, "noref"), JsonFields.WholeNumber(data, "status"));

    // IAK's API defines sign = md5(username + api key + ...); it is IAK's request signature, not our choice of hash.
#pragma warning disable CA5351
    private string Sign(string additional) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes((_options.Username ?? "") + (_options.ApiKey ?? "") + additional)));
#pragma warning restore CA5351

    [LoggerMessage(Level = LogLevel.Information, Message = "IAK {Command}: HTTP {Status}, rc {ResponseCode}, {Outcome}")]
    private partial void LogReply(string command, int status, string? responseCode, IakOutcome outcome);
}
