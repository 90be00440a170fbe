using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Funding.Gateways;

namespace PaymentHub.Connectors.ShurjoPay;

public sealed class ShurjoPayOptions
{
    public const string Section = "Connectors:ShurjoPay";

    public string? BaseUrl { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>The order prefix shurjoPay assigns to the store (the sandbox's is "sp").</summary>
    public string Prefix { get; set; } = "sp";
    /// <summary>shurjoPay documents a 15-minute token while its replies say 3600 s: a token is used for the shorter of the two.</summary>
    public double MaxTokenLifetimeSeconds { get; set; } = 900;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);
}

public sealed record ShurjoPayCustomer(string Name, string Phone, string? Email, string Address, string City, string PostCode, string ClientIp);

/// <summary>
/// Typed client for shurjoPay v2 (<c>get_token</c>, <c>secret-pay</c>, <c>verification</c>, <c>payment-status</c>).
/// The token is cached by our own clock and shared by all callers; one refresh runs at a time.
/// </summary>
public sealed partial class ShurjoPayClient(HttpClient http, IOptions<ShurjoPayOptions> options, TimeProvider clock, ILogger<ShurjoPayClient> logger)
    : IDisposable
{
    private static readonly HashSet<string> PendingCodes = ["1068", "1065"];
    private readonly ShurjoPayOptions _options = options.Value;
    private readonly SemaphoreSlim _tokenRefresh = new(1, 1);
    private volatile CachedToken? _token;

    private sealed record CachedToken(string Value, string StoreId, string TokenType, DateTimeOffset ExpiresAt);

    private sealed class TokenRejectedException(string message) : Exception(message);

    public bool IsConfigured => _options.IsConfigured;

    public async Task<GatewayCheckout> InitiateAsync(string orderId, decimal amount, string currency, string returnUrl, string cancelUrl,
        ShurjoPayCustomer customer, CancellationToken ct)
    {
        try
        {
            return await WithTokenAsync(async token =>
            {
                var body = new JsonObject
                {
                    ["prefix"] = _options.Prefix,
                    ["token"] = token.Value,
                    ["store_id"] = token.StoreId,
                    ["return_url"] = returnUrl,
                    ["cancel_url"] = cancelUrl,
                    ["amount"] = amount,
                    ["order_id"] = orderId,
                    ["currency"] = currency,
                    ["customer_name"] = customer.Name,
                    ["customer_address"] = customer.Address,
                    ["customer_phone"] = customer.Phone,
                    ["customer_city"] = customer.City,
                    ["customer_post_code"] = customer.PostCode,
                    ["client_ip"] = customer.ClientIp,
                };
                if (customer.Email is not null)
                {
                    body["customer_email"] = customer.Email;
                }
                var (status, root) = await PostAsync("secret-pay", body, token, safeToRepeat: false, ct);
                ThrowIfTokenRejected(status, root);
                return ReadCheckout(status, root);
            }, ct);
        }
        catch (ShurjoPayUnavailableException ex)
        {
            return GatewayCheckout.Failure(ex.Message);
        }
    }

    /// <summary>Verifies a payment after the customer's return or an IPN (<c>POST /verification</c>).</summary>
    public Task<GatewayCheck> VerifyAsync(string spOrderId, CancellationToken ct) => CheckAsync("verification", spOrderId, ct);

    /// <summary>Asks about a payment still pending (<c>POST /payment-status</c>, same shape as verification).</summary>
    public Task<GatewayCheck> PaymentStatusAsync(string spOrderId, CancellationToken ct) => CheckAsync("payment-status", spOrderId, ct);

    private async Task<GatewayCheck> CheckAsync(string endpoint, string spOrderId, CancellationToken ct)
    {
        if (!IsConfigured)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "shurjoPay is not configured.");
        }
        try
        {
            var check = await WithTokenAsync(async token =>
            {
                var (status, root) = await PostAsync(endpoint, new JsonObject { ["order_id"] = spOrderId }, token, safeToRepeat: true, ct);
                ThrowIfTokenRejected(status, root);
                return ReadCheck(status, root, spOrderId);
            }, ct);
            LogCheck(endpoint, check.Code, check.Outcome);
            return check;
        }
        catch (ShurjoPayUnavailableException ex)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, ex.Message);
        }
    }

    /// <summary>Runs a call with the cached token; when shurjoPay rejects the token, authenticates again once and retries.</summary>
    private async Task<T> WithTokenAsync<T>(Func<CachedToken, Task<T>> call, CancellationToken ct)
    {
        var token = await GetTokenAsync(stale: null, ct);
        try
        {
            return await call(token);
        }
        catch (TokenRejectedException ex)
        {
            LogTokenRejected(ex.Message);
            var fresh = await GetTokenAsync(stale: token, ct);
            try
            {
                return await call(fresh);
            }
            catch (TokenRejectedException again)
            {
                throw new ShurjoPayUnavailableException($"shurjoPay rejected a fresh token: {again.Message}");
            }
        }
    }

    private async Task<CachedToken> GetTokenAsync(CachedToken? stale, CancellationToken ct)
    {
        var current = _token;
        if (current is not null && current != stale && current.ExpiresAt > clock.GetUtcNow())
        {
            return current;
        }
        await _tokenRefresh.WaitAsync(ct);
        try
        {
            // Another caller may have refreshed it while this one waited.
            current = _token;
            if (current is not null && current != stale && current.ExpiresAt > clock.GetUtcNow())
            {
                return current;
            }
            _token = null;
            var fresh = await AuthenticateAsync(ct);
            _token = fresh;
            return fresh;
        }
        finally
        {
            _tokenRefresh.Release();
        }
    }

    private async Task<CachedToken> AuthenticateAsync(CancellationToken ct)
    {
        var requestedAt = clock.GetUtcNow();
        var (status, root) = await PostAsync("get_token",
            new JsonObject { ["username"] = _options.Username ?? "", ["password"] = _options.Password ?? "" }, token: null, safeToRepeat: true, ct);
        if (status != HttpStatusCode.OK || root is not { ValueKind: JsonValueKind.Object } reply)
        {
            throw new ShurjoPayUnavailableException($"shurjoPay's token request failed (HTTP {(int)status}).");
        }
        var code = JsonFields.Text(reply, "sp_code");
        var value = JsonFields.Text(reply, "token");
        var storeId = JsonFields.Text(reply, "store_id");
        if (code != "200" || string.IsNullOrEmpty(value) || string.IsNullOrEmpty(storeId))
        {
            var message = JsonFields.Text(reply, "message") ?? "no token in the reply";
            LogAuthenticationRefused(code, message);
            throw new ShurjoPayUnavailableException($"shurjoPay refused to authenticate the store (sp_code {code ?? "none"}: {message}).");
        }
        var lifetime = TimeSpan.FromSeconds(_options.MaxTokenLifetimeSeconds);
        if (JsonFields.Number(reply, "expires_in") is { } expiresIn && expiresIn > 0 && (double)expiresIn < lifetime.TotalSeconds)
        {
            lifetime = TimeSpan.FromSeconds((double)expiresIn);
        }
        // Counted from when the request was sent, and a little short of the end, so a token is never used at its last second.
        lifetime -= TimeSpan.FromSeconds(Math.Min(30, lifetime.TotalSeconds / 10));
        LogAuthenticated(lifetime.TotalSeconds);
        return new CachedToken(value, storeId, JsonFields.Text(reply, "token_type") ?? "Bearer", requestedAt + lifetime);
    }

    private async Task<(HttpStatusCode Status, JsonElement? Root)> PostAsync(
        string endpoint, JsonObject body, CachedToken? token, bool safeToRepeat, CancellationToken ct)
    {
        if (!IsConfigured)
        {
            throw new ShurjoPayUnavailableException("shurjoPay is not configured.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.BaseUrl!.TrimEnd('/') + "/" + endpoint)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        }
        request.Options.Set(UpstreamResilience.SafeToRepeat, safeToRepeat);
        var response = await UpstreamCalls.SendAsync(http, request, logger, "shurjoPay", endpoint, ct);
        return response.NoReply is { } none
            ? throw new ShurjoPayUnavailableException($"No reply from shurjoPay ({none.Failure}).")
            : (response.Status, response.Json);
    }

    /// <summary>shurjoPay rejects an expired or unknown token with HTTP 401/403 or a JSON "Unauthenticated"/1064 body.</summary>
    private static void ThrowIfTokenRejected(HttpStatusCode status, JsonElement? root)
    {
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new TokenRejectedException($"HTTP {(int)status}");
        }
        var element = root is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0 ? array[0] : root;
        if (element is { ValueKind: JsonValueKind.Object } obj)
        {
            var code = JsonFields.Text(obj, "sp_code");
            var message = JsonFields.FirstText(obj, "message", "sp_message", "sp_massage") ?? "";
            if (code == "1064" || message.Contains("unauthenticated", StringComparison.OrdinalIgnoreCase)
                               || message.Contains("token", StringComparison.OrdinalIgnoreCase) && (message.Contains("expired", StringComparison.OrdinalIgnoreCase)
                                   || message.Contains("invalid", StringComparison.OrdinalIgnoreCase)))
            {
                throw new TokenRejectedException(code is null ? message : $"sp_code {code}: {message}");
            }
        }
    }

    private static GatewayCheckout ReadCheckout(HttpStatusCode status, JsonElement? root)
    {
        if (root is not { ValueKind: JsonValueKind.Object } reply)
        {
            return GatewayCheckout.Failure($"shurjoPay's reply was not understood (HTTP {(int)status}).");
        }
        var checkoutUrl = JsonFields.Text(reply, "checkout_url");
        var spOrderId = JsonFields.Text(reply, "sp_order_id");
        if (status == HttpStatusCode.OK && Uri.TryCreate(checkoutUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            && !string.IsNullOrWhiteSpace(spOrderId))
        {
            return new GatewayCheckout(true, JsonFields.Text(reply, "transactionStatus") ?? "Initiated", checkoutUrl, spOrderId);
        }
        // Validation errors come as a map of field to message, without sp_code.
        var messages = reply.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Name is not ("checkout_url" or "sp_order_id"))
            .Select(p => $"{p.Name}: {p.Value.GetString()}")
            .Take(5)
            .ToList();
        return GatewayCheckout.Failure(messages.Count > 0
            ? "shurjoPay refused the payment: " + string.Join("; ", messages)
            : $"shurjoPay refused the payment (HTTP {(int)status}).");
    }

    internal static GatewayCheck ReadCheck(HttpStatusCode status, JsonElement? root, string spOrderId)
    {
        if (status != HttpStatusCode.OK && status != HttpStatusCode.NotFound)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, $"shurjoPay answered HTTP {(int)status}.");
        }
        JsonElement? element = root switch
        {
            { ValueKind: JsonValueKind.Array } array when array.GetArrayLength() > 0 => array[0],
            { ValueKind: JsonValueKind.Array } => null,
            { ValueKind: JsonValueKind.Object } obj => obj,
            _ => null,
        };
        if (root is { ValueKind: JsonValueKind.Array } && element is null)
        {
            return new GatewayCheck(GatewayCheckOutcome.UnknownPayment, "shurjoPay has no such order.");
        }
        if (element is not { ValueKind: JsonValueKind.Object } item || JsonFields.Text(item, "sp_code") is not { Length: > 0 } code)
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "shurjoPay's verification reply was not understood.");
        }
        var message = JsonFields.FirstText(item, "sp_message", "sp_massage", "message", "transaction_status") ?? $"sp_code {code}";
        var outcome = code switch
        {
            "1000" => GatewayCheckOutcome.Paid,
            "1011" => GatewayCheckOutcome.UnknownPayment,
            "1002" => GatewayCheckOutcome.Cancelled,
            _ when PendingCodes.Contains(code) => GatewayCheckOutcome.Pending,
            _ => GatewayCheckOutcome.Failed,
        };
        // A verdict that moves the top-up must name the order it is about (shurjoPay echoes its sp_order_id as order_id).
        if (outcome is GatewayCheckOutcome.Paid or GatewayCheckOutcome.Failed or GatewayCheckOutcome.Cancelled
            && !string.Equals(JsonFields.Text(item, "order_id"), spOrderId, StringComparison.Ordinal))
        {
            return new GatewayCheck(GatewayCheckOutcome.Unavailable, "shurjoPay's verification is not about this order.", code);
        }
        return new GatewayCheck(outcome, message, code, JsonFields.Number(item, "amount"), JsonFields.Text(item, "currency"),
            JsonFields.Text(item, "method"), JsonFields.Text(item, "bank_trx_id"), JsonFields.Text(item, "customer_order_id"));
    }

    public void Dispose() => _tokenRefresh.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "shurjoPay token obtained, used for {LifetimeSeconds:0} s")]
    private partial void LogAuthenticated(double lifetimeSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "shurjoPay refused to authenticate the store: sp_code {Code}, {Message}")]
    private partial void LogAuthenticationRefused(string? code, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "shurjoPay rejected the cached token ({Reason}); authenticating again")]
    private partial void LogTokenRejected(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "shurjoPay {Endpoint}: sp_code {Code}, {Outcome}")]
    private partial void LogCheck(string endpoint, string? code, GatewayCheckOutcome outcome);
}

public sealed class ShurjoPayUnavailableException(string message) : Exception(message);
