using System.Text;
using System.Text.Json;
using PaymentHub.Infrastructure;

namespace PaymentHub.Connectors;

/// <summary>An upstream reply's body as text, or why it could not be read (<see cref="UpstreamReplies.ReadBodyAsync"/>).</summary>
public readonly record struct UpstreamReplyBody(string Text, string? Problem)
{
    public bool IsReadable => Problem is null;
}

/// <summary>
/// An upstream reply's body as text, read without trusting anything about it: at most <see cref="MaxBytes"/>, decoded
/// as UTF-8 (invalid bytes become U+FFFD) unless the reply names another charset .NET knows. A charset nobody knows
/// (<c>charset=bogus-xx</c>) or an oversized body is not an exception but a <see cref="UpstreamReplyBody.Problem"/>, which the clients
/// classify like any other unreadable reply. Transport failures while reading (reset, cut-off, the read timeout) still
/// throw <see cref="IOException"/>, <see cref="HttpRequestException"/> or <see cref="OperationCanceledException"/>,
/// the exceptions every upstream client already classifies as "no reply".
/// </summary>
public static partial class UpstreamReplies
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>How long reading the body may take once the headers are in (the resilience pipeline times only the headers).</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>The body as JSON; null for an unreadable body (logged), HTML, an empty or a malformed one.</summary>
    public static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, ILogger logger, string upstream, CancellationToken ct)
    {
        var body = await ReadBodyAsync(response, ct);
        if (body.Problem is { } problem)
        {
            LogUnreadable(logger, upstream, (int)response.StatusCode, problem);
            return null;
        }
        return JsonFields.TryParse(body.Text);
    }

    public static async Task<UpstreamReplyBody> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var content = response.Content;
        var charset = content.Headers.ContentType?.CharSet?.Trim().Trim('"', '\'');
        if (Decoder(charset) is not { } encoding)
        {
            return new UpstreamReplyBody("", $"unsupported charset '{Shorten(charset!)}'");
        }
        if (content.Headers.ContentLength > MaxBytes)
        {
            return new UpstreamReplyBody("", $"reply of {content.Headers.ContentLength} bytes, over the {MaxBytes} byte limit");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReadTimeout);
        await using var stream = await content.ReadAsStreamAsync(timeout.Token);
        using var bytes = new MemoryStream();
        if (!await BoundedReads.CopyAsync(stream, bytes, MaxBytes, timeout.Token))
        {
            return new UpstreamReplyBody("", $"reply over the {MaxBytes} byte limit");
        }
        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        if (encoding.CodePage == Encoding.UTF8.CodePage && data.StartsWith(Encoding.UTF8.Preamble))
        {
            data = data[Encoding.UTF8.Preamble.Length..];
        }
        return new UpstreamReplyBody(encoding.GetString(data), null);
    }

    /// <summary>UTF-8 when no charset (or UTF-8 or ASCII) is named; another charset only when .NET has it built in.</summary>
    private static Encoding? Decoder(string? charset)
    {
        if (string.IsNullOrEmpty(charset))
        {
            return Utf8;
        }
        Encoding named;
        try
        {
            named = Encoding.GetEncoding(charset);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            // Not a charset .NET knows (or one it refuses, like UTF-7): the reply cannot be read as its sender meant it.
            return null;
        }
        // ASCII replies are UTF-8 too; decoding them as UTF-8 keeps a mislabelled non-ASCII byte readable.
        return named.CodePage is 65001 or 20127 ? Utf8 : named;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40];

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Upstream} reply (HTTP {Status}) could not be read: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string upstream, int status, string problem);
}
