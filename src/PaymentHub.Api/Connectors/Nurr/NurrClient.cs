using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PaymentHub.Connectors.Nurr;

public sealed class NurrOptions
{
    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public string? ApiSecret { get; set; }
    public int TimeoutSeconds { get; set; } = 30;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl) && !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(ApiSecret);
}

/// <summary>How an upstream reply is to be read: a definite answer, or an outcome we cannot know.</summary>
public enum NurrReplyKind
{
    Answer,
    Refused,
    Unknown,
}

public sealed record NurrReply(NurrReplyKind Kind, int HttpStatus, JsonElement Body, string? Error)
{
    public string? Text(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>
/// Typed client for an upstream that speaks nurr's API (nurr.top itself, or another PaymentHub). Every reply is
/// untrusted: HTML, malformed JSON, 5xx and timeouts all become <see cref="NurrReplyKind.Unknown"/>, never an exception.
/// </summary>
public sealed class NurrClient(IHttpClientFactory httpClients, IOptions<NurrOptions> options)
{
    public const string HttpClientName = "nurr";
    private readonly NurrOptions _options = options.Value;

    public bool IsConfigured => _options.IsConfigured;

    public Task<NurrReply> PostAsync(string pathAndQuery, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>> { new("api_key", _options.ApiKey!), new("api_secret", _options.ApiSecret!) };
        form.AddRange(fields);
        return SendAsync(pathAndQuery, form, ct);
    }

    private async Task<NurrReply> SendAsync(string pathAndQuery, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            var uri = new Uri(new Uri(_options.BaseUrl!.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
            var http = httpClients.CreateClient(HttpClientName);
            response = await http.PostAsync(uri, new FormUrlEncodedContent(form), timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new NurrReply(NurrReplyKind.Unknown, 0, default, $"{ex.GetType().Name} talking to the upstream");
        }

        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                return new NurrReply(NurrReplyKind.Unknown, (int)response.StatusCode, default, "The upstream's reply was cut off");
            }
            JsonElement body;
            try
            {
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                return new NurrReply(NurrReplyKind.Unknown, (int)response.StatusCode, default, $"Upstream answered HTTP {(int)response.StatusCode} without JSON");
            }
            var status = (int)response.StatusCode;
            var error = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                ? e.GetString()
                : null;
            var kind = status switch
            {
                200 when body.ValueKind == JsonValueKind.Object => NurrReplyKind.Answer,
                // 409: the upstream is still working on this request id; 404 for a status query may just mean "not yet".
                409 or 404 or 408 or 429 => NurrReplyKind.Unknown,
                >= 400 and < 500 when error is not null => NurrReplyKind.Refused,
                _ => NurrReplyKind.Unknown,
            };
            return new NurrReply(kind, status, body, error ?? (kind == NurrReplyKind.Unknown ? $"Upstream answered HTTP {status}" : null));
        }
    }
}
