using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PaymentHub.Infrastructure;

/// <summary>
/// The charsets a request body may name: <c>utf-8</c> (the default when none is named), and <c>us-ascii</c> and
/// <c>iso-8859-1</c>, which HTTP client libraries send by default. Anything else (utf-7, utf-16, unknown names) is refused
/// with 415 before any reader sees it, on every endpoint, multipart parts included.
/// </summary>
public static class RequestCharsets
{
    public const string UnsupportedCharset = "Unsupported charset. Send the body as UTF-8 (charset=utf-8; us-ascii and iso-8859-1 are also accepted).";
    public const string UnreadableContentType = "The Content-Type header cannot be read.";

    /// <summary>US-ASCII that turns a byte above 0x7F into U+FFFD (refused by the readers) rather than a silent '?'.</summary>
    private static readonly Encoding StrictAscii =
        Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, new DecoderReplacementFallback("\uFFFD"));

    /// <summary>The encoding a charset parameter names, when it is one of ours; no charset is UTF-8.</summary>
    public static Encoding? EncodingFor(StringSegment charset)
    {
        var name = HeaderUtilities.RemoveQuotes(charset);
        if (StringSegment.IsNullOrEmpty(name) || name.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.UTF8;
        }
        if (name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return StrictAscii;
        }
        return name.Equals("iso-8859-1", StringComparison.OrdinalIgnoreCase) ? Encoding.Latin1 : null;
    }

    /// <summary>Why a Content-Type header cannot be accepted (status and message), or null when it can (or is absent).</summary>
    public static (int Status, string Message)? Problem(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return (StatusCodes.Status415UnsupportedMediaType, UnreadableContentType);
        }
        var charsets = mediaType.Parameters.Count(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase));
        // "charset=" names nothing: refused like a name we do not know, not taken for the default.
        if (charsets > 1 || (charsets == 1 && (StringSegment.IsNullOrEmpty(HeaderUtilities.RemoveQuotes(mediaType.Charset))
                                              || EncodingFor(mediaType.Charset) is null)))
        {
            return (StatusCodes.Status415UnsupportedMediaType, UnsupportedCharset);
        }
        return null;
    }

    /// <summary>
    /// charset="utf-8" becomes charset=utf-8: quotes are allowed around the value, but the framework's JSON reader takes
    /// them for part of the name and fails.
    /// </summary>
    public static void Unquote(HttpRequest request)
    {
        if (request.ContentType is { } contentType && contentType.Contains('"') && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset.HasValue && mediaType.Charset.Value!.StartsWith('"'))
        {
            mediaType.Charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
            request.ContentType = mediaType.ToString();
        }
    }
}
