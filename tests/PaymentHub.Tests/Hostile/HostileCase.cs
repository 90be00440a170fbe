using System.Text;

namespace PaymentHub.Tests.Hostile;

/// <summary>The documented shape of a refusal: the reseller API's <c>{"error"}</c>, the admin API's ProblemDetails, or a payment page.</summary>
public enum Reply
{
    ResellerJson,
    Problem,
    HtmlPage,
}

/// <param name="Error">The reseller reply's exact <c>error</c>, when the case pins it.</param>
/// <param name="Field">The reseller reply's <c>field</c>, or for a ProblemDetails validation reply a key of <c>errors</c>.</param>
/// <param name="Title">The ProblemDetails' exact <c>title</c>, when the case pins it.</param>
public sealed record Expected(int Status, Reply Shape, string? Error = null, string? Field = null, string? Title = null);

/// <summary>One hostile request and what it must get. <paramref name="Body"/> builds the content once the fixture's tokens are known.</summary>
public sealed record HostileCase(
    string Name, HttpMethod Method, string Path, Func<HostileFixture, HttpContent?> Body, Expected Expect, bool AsAdmin = false,
    string? NotEchoed = null);

/// <summary>Request bodies, byte for byte as a hostile client would send them.</summary>
public static class Bodies
{
    public const string Form = "application/x-www-form-urlencoded";

    public static Func<HostileFixture, HttpContent?> None => _ => null;

    /// <summary>A urlencoded form (UTF-8 percent-encoding) with an optional raw tail appended as is (for broken escapes).</summary>
    public static Func<HostileFixture, HttpContent?> UrlEncoded(
        IEnumerable<(string Key, string Value)> fields, string? contentType = Form, string? rawTail = null) => f =>
    {
        var text = string.Join("&", fields.Select(p => $"{Uri.EscapeDataString(f.Resolve(p.Key))}={Uri.EscapeDataString(f.Resolve(p.Value))}"));
        if (rawTail is not null)
        {
            text += (text.Length > 0 ? "&" : "") + f.Resolve(rawTail);
        }
        return Raw(Encoding.ASCII.GetBytes(text), contentType);
    };

    /// <summary>Bytes with tokens resolved first (the tokens are ASCII), under any Content-Type (or none).</summary>
    public static Func<HostileFixture, HttpContent?> Bytes(Func<HostileFixture, byte[]> bytes, string? contentType) => f => Raw(bytes(f), contentType);

    /// <summary>A multipart/form-data body; each part may carry its own Content-Type line (null: none) or be a file.</summary>
    public static Func<HostileFixture, HttpContent?> Multipart(
        IEnumerable<(string Name, string Value, string? PartType)> parts, string? contentType = null, bool closed = true, string? fileName = null) => f =>
    {
        const string boundary = "hostile-boundary-7d1a";
        var body = new StringBuilder();
        foreach (var (name, value, partType) in parts)
        {
            body.Append($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"");
            if (fileName is not null && name == "upload")
            {
                body.Append($"; filename=\"{fileName}\"");
            }
            body.Append("\r\n");
            if (partType is not null)
            {
                body.Append($"Content-Type: {partType}\r\n");
            }
            body.Append($"\r\n{f.Resolve(value)}\r\n");
        }
        if (closed)
        {
            body.Append($"--{boundary}--\r\n");
        }
        return Raw(Encoding.UTF8.GetBytes(body.ToString()), contentType ?? $"multipart/form-data; boundary={boundary}");
    };

    /// <summary>JSON text (tokens resolved) under a Content-Type, by default application/json.</summary>
    public static Func<HostileFixture, HttpContent?> Json(string json, string? contentType = "application/json") =>
        f => Raw(Encoding.UTF8.GetBytes(f.Resolve(json)), contentType);

    /// <summary>A body without Content-Length: sent chunked, so only the reader's own counting can stop it.</summary>
    public static Func<HostileFixture, HttpContent?> Chunked(Func<HostileFixture, byte[]> bytes, string contentType) => f =>
    {
        var content = new StreamContent(new NoLengthStream(bytes(f)));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    };

    private static ByteArrayContent Raw(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        else
        {
            content.Headers.ContentType = null;
        }
        return content;
    }

    /// <summary>A readable stream that does not know its length, so HttpClient cannot announce one.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>Case names show control and non-ASCII characters as \uXXXX.</summary>
    public static string Show(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 40 ? text[..40] + "..." : text)
        {
            shown.Append(c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}");
        }
        return shown.ToString();
    }
}

/// <summary>The headers every response of the gateway carries (see README, "Security").</summary>
public static class SecurityHeaders
{
    public static void Assert(HttpResponseMessage response, string said)
    {
        Xunit.Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", said);
        Xunit.Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var frames) && frames.Single() == "DENY", said);
        Xunit.Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", said);
    }
}
