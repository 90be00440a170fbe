using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Funding.Gateways;

namespace PaymentHub.Connectors.SecureSoftPay;

public sealed class SecureSoftPayOptions
{
    public const string Section = "Connectors:SecureSoftPay";

    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    /// <summary>The "Base URL" of the merchant's API settings page at the gateway; it must match exactly.</summary>
    public string? ClientBaseUrl { get; set; }
    /// <summary>Server-side verification endpoint. Empty means the gateway offers none: every return goes to the operator's review.</summary>
    public string? VerifyPath { get; set; } = "/api/v1/verify";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);
    public bool CanVerify => IsConfigured && !string.IsNullOrWhiteSpace(VerifyPath);
}

/// <summary>
/// Typed client for SecureSoftPay (the bearer checkout gateway). Its documentation trusts the browser's return;
/// this client adds the server-side check (<c>POST {base}{VerifyPath}</c> with the transaction id).
/// </summary>
public sealed partial class SecureSoftPayClient(HttpClient http, IOptions<SecureSoftPayOptions> options, ILogger<SecureSoftPayClient> logger)
{
    private static readonly HashSet<string> PaidStatuses = ["completed", "complete", "paid", "success", "successful", "succeeded"];
    private static readonly HashSet<string> PendingStatuses = ["pending", "processing", "initiated", "unpaid"];
    private static readonly HashSet<string> CancelledStatuses = ["cancelled", "canceled", "cancel"];
    private readonly SecureSoftPayOptions _options = options.Value;

    public bool IsConfigured => _options.IsConfigured;
    public bool CanVerify => _options.CanVerify;

    public async Task<GatewayCheckout> CheckoutAsync(decimal amount, string? customerName, string? customerEmail,
        string successUrl, string cancelUrl, string topUpId, CancellationToken ct)
    {
        if (!IsConfigured)
        {
            return GatewayCheckout.Failure("SecureSoftPay is not configured.");
        }
        var body = new JsonObject
        {
            ["amount"] = amount,
            ["client_base_url"] = _options.ClientBaseUrl ?? "",
            ["customer_name"] = customerName,
            ["customer_email"] = customerEmail,
            ["success_url"] = successUrl,
            ["cancel_url"] = cancelUrl,
            ["meta_data"] = new JsonObject { ["order_id"] = topUpId, ["topup_id"] = topUpId }.ToJsonString(),
        };
        var (status, root, error) = await PostAsync("/api/v1/checkout", body, safeToRepeat: false, ct);
        if (error is not null)
        {
            return GatewayCheckout.Failure(error);
        }
        if (root is not { ValueKind: JsonValueKind.Object } reply)
        {
            return GatewayCheckout.Failure($"SecureSoftPay's reply was not understood (HTTP {(int)status}).");
        }
        var paymentUrl = JsonFields.Text(reply, "payment_url");
        if (status == HttpStatusCode.OK && JsonFields.Text(reply, "status") == "success"
            && Uri.TryCreate(paymentUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http")
        {
            return new GatewayCheckout(true, "success", paymentUrl);
        }
        var message = JsonFields.Text(reply, "message") ?? $"HTTP {(int)status}";
        LogCheckoutRefused(message);
        return GatewayCheckout.Failure($"SecureSoftPay refused the payment: {message}");
    }

    public async Task<GatewayCheck> VerifyAsync(string transactionId, CancellationToken ct)
    {
        if (!CanVerify)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "SecureSoftPay verification is not configured.");
        }
        var (status, root, error) = await PostAsync(_options.VerifyPath!, new JsonObject { ["transaction_id"] = transactionId }, safeToRepeat: true, ct);
        var check = error is not null ? new GatewayCheck(GatewayCheckOutcome.Unavailable, error) : ReadVerification(status, root, transactionId);
        LogVerification((int)status, check.Outcome);
        return check;
    }

    /// <summary>
    /// The verify reply is not documented publicly. Accepted: the payment's own fields at the top level or under
    /// <c>data</c>; its state in <c>payment_status</c>, <c>transaction_status</c> or <c>status</c> (where a bare
    /// <c>"status":"success"</c> at the top only counts together with an amount). An unknown transaction is HTTP 404
    /// or <c>{"status":"error","message":"... not found ..."}</c>.
    /// </summary>
    internal static GatewayCheck ReadVerification(HttpStatusCode status, JsonElement? root, string transactionId)
    {
        if (status == HttpStatusCode.NotFound)
        {
            return new GatewayCheck(GatewayCheckOutcome.UnknownPayment, "SecureSoftPay does not know this transaction.");
        }
        if (status != HttpStatusCode.OK || root is not { ValueKind: JsonValueKind.Object } reply)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable,
                status == HttpStatusCode.OK ? "SecureSoftPay's verification reply was not understood." : $"SecureSoftPay answered HTTP {(int)status}.");
        }
        var topStatus = JsonFields.Text(reply, "status")?.Trim().ToLowerInvariant();
        var message = JsonFields.Text(reply, "message");
        if (topStatus is "error" or "failed" or "false")
        {
            return IsAboutAnUnknownTransaction(message)
                ? new GatewayCheck(GatewayCheckOutcome.UnknownPayment, message!)
                : new GatewayCheck(GatewayCheckOutcome.Unavailable, $"SecureSoftPay could not verify: {message ?? "error"}");
        }
        var nested = reply.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object;
        var payment = nested ? data : reply;
        var state = (JsonFields.FirstText(payment, "payment_status", "transaction_status")
                     ?? (nested ? JsonFields.Text(payment, "status") : null)
                     ?? topStatus)?.Trim().ToLowerInvariant();
        var amount = JsonFields.Number(payment, "amount");
        var reportedId = JsonFields.Text(payment, "transaction_id");
        if (reportedId is not null && !GatewayTransactionIds.Same(reportedId, transactionId))
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "SecureSoftPay answered about another transaction.");
        }
        var outcome = state switch
        {
            null => GatewayCheckOutcome.Unavailable,
            _ when PaidStatuses.Contains(state) && amount is not null => GatewayCheckOutcome.Paid,
            _ when PaidStatuses.Contains(state) => GatewayCheckOutcome.Unavailable,
            _ when PendingStatuses.Contains(state) => GatewayCheckOutcome.Pending,
            _ when CancelledStatuses.Contains(state) => GatewayCheckOutcome.Cancelled,
            _ => GatewayCheckOutcome.Failed,
        };
        // A verdict that moves the top-up must be about this payment: a gateway that trims or case-folds ids, or answers
        // without naming one, could otherwise confirm one payment for two top-ups.
        if (reportedId is null && outcome is GatewayCheckOutcome.Paid or GatewayCheckOutcome.Failed or GatewayCheckOutcome.Cancelled)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "SecureSoftPay's verification did not name the transaction.", state, amount);
        }
        return new GatewayCheck(outcome, message ?? state ?? "no status", state, amount, JsonFields.Text(payment, "currency"),
            JsonFields.FirstText(payment, "payment_method", "method"), transactionId, ReadTopUpReference(payment));
    }

    /// <summary>
    /// Only an error that names the transaction as unknown proves the id is worthless ("Transaction not found", "Invalid
    /// transaction id"). Any other error ("Invalid API key", "Invalid request") is about us, so the payment stays unverified.
    /// </summary>
    private static bool IsAboutAnUnknownTransaction(string? message) =>
        message is not null
        && (message.Contains("not found", StringComparison.OrdinalIgnoreCase)
            || message.Contains("no transaction", StringComparison.OrdinalIgnoreCase)
            || message.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
            || (message.Contains("invalid", StringComparison.OrdinalIgnoreCase) && message.Contains("transaction", StringComparison.OrdinalIgnoreCase)));

    private static string? ReadTopUpReference(JsonElement payment)
    {
        if (!payment.TryGetProperty("meta_data", out var meta))
        {
            return null;
        }
        var metaObject = meta.ValueKind switch
        {
            JsonValueKind.Object => meta,
            JsonValueKind.String => JsonFields.TryParse(meta.GetString() ?? "") is { ValueKind: JsonValueKind.Object } parsed ? parsed : (JsonElement?)null,
            _ => null,
        };
        return metaObject is { } m ? JsonFields.FirstText(m, "topup_id", "order_id") : null;
    }

    private async Task<(HttpStatusCode Status, JsonElement? Root, string? Error)> PostAsync(
        string path, JsonObject body, bool safeToRepeat, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.BaseUrl!.TrimEnd('/') + "/" + path.TrimStart('/'))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey ?? "");
        request.Options.Set(UpstreamResilience.SafeToRepeat, safeToRepeat);
        var response = await UpstreamCalls.SendAsync(http, request, logger, "SecureSoftPay", path, ct);
        return (response.Status, response.Json, response.NoReply is { } none ? $"No reply from SecureSoftPay ({none.Failure})." : null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SecureSoftPay refused a checkout: {Message}")]
    private partial void LogCheckoutRefused(string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "SecureSoftPay verify: HTTP {Status}, {Outcome}")]
    private partial void LogVerification(int status, GatewayCheckOutcome outcome);
}
