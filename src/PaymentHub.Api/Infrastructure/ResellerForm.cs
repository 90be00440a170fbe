using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PaymentHub.Infrastructure;

/// <summary>
/// The form fields of a reseller call (nurr's API is form POST, urlencoded or multipart). Reading it never throws:
/// a body that is too large, malformed, of another type or in a charset we do not read becomes a clear JSON error.
/// Every field gets the same rules: surrounding ASCII spaces are trimmed (nothing else), a field may appear once, and
/// control characters or bytes that are not valid in the declared charset are refused.
/// </summary>
public sealed class ResellerForm
{
    public const int MaxBodyBytes = 32 * 1024;
    private const int MaxFields = 64;
    private const int MaxKeyLength = 100;
    private const int MaxValueLength = 4096;
    private const string Malformed = "Malformed form body.";
    private const string TooManyOrTooLong = "Malformed form body: too many parameters, or a parameter longer than 4096 characters.";
    private readonly IFormCollection _form;

    private ResellerForm(IFormCollection form) => _form = form;

    public static readonly ResellerForm Empty = new(FormCollection.Empty);

    public string? this[string name]
    {
        get
        {
            // ASCII spaces only: a no-break or ideographic space is part of the value (and makes an amount or id invalid).
            var value = _form.TryGetValue(name, out var values) ? values.ToString().Trim(' ') : null;
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }

    public bool Has(string name) => this[name] is not null;

    /// <summary>The form the reseller authentication read (once) for this request.</summary>
    public static ValueTask<ResellerForm?> BindAsync(HttpContext http) =>
        ValueTask.FromResult<ResellerForm?>(http.Features.Get<ResellerForm>()
            ?? throw new InvalidOperationException("No reseller form: the endpoint is not in the /api group that reads one."));

    public static async Task<(ResellerForm? Form, IResult? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, TooLarge());
        }
        if (!request.HasFormContentType)
        {
            var hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
            if (!hasBody)
            {
                return (Empty, null);
            }
            return (null, RequestCharsets.Problem(request.ContentType) is { } unreadable
                ? ResellerResults.Error(unreadable.Status, unreadable.Message)
                : ResellerResults.Error(StatusCodes.Status415UnsupportedMediaType,
                    "Unsupported content type. Send the parameters as form data (application/x-www-form-urlencoded or multipart/form-data)."));
        }
        if (RequestCharsets.Problem(request.ContentType) is { } problem)
        {
            return (null, ResellerResults.Error(problem.Status, problem.Message));
        }

        var mediaType = MediaTypeHeaderValue.Parse(request.ContentType);
        var (form, error) = mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? await ReadMultipartAsync(request, mediaType, ct)
            : await ReadUrlEncodedAsync(request, mediaType, ct);
        if (form is null)
        {
            return (null, error);
        }

        foreach (var (key, values) in form)
        {
            if (key.Any(char.IsControl) || key.Contains('\uFFFD'))
            {
                return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid characters in a parameter name."));
            }
            if (values.Count > 1)
            {
                return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Duplicate parameter.", key));
            }
            var value = values.ToString();
            if (value.Any(char.IsControl))
            {
                return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid characters in parameter.", key));
            }
            if (value.Contains('\uFFFD'))
            {
                // What the decoder makes of bytes that are not valid UTF-8 (overlong or truncated sequences).
                return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, "Malformed form body: a parameter is not valid text in the declared charset.", key));
            }
        }
        return (new ResellerForm(form), null);
    }

    /// <summary>
    /// application/x-www-form-urlencoded, read here rather than by the framework so that it follows the same rules as
    /// multipart: a "%XX" escape is a byte of the declared charset (bytes that are not valid there become U+FFFD, which is
    /// refused), '+' is a space, and the limits on fields and lengths answer with their own message.
    /// </summary>
    private static async Task<(IFormCollection? Form, IResult? Error)> ReadUrlEncodedAsync(
        HttpRequest request, MediaTypeHeaderValue mediaType, CancellationToken ct)
    {
        var (body, bodyError) = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            return (null, bodyError);
        }
        var encoding = RequestCharsets.EncodingFor(mediaType.Charset)!;
        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var rest = body.GetBuffer().AsSpan(0, (int)body.Length);
        var count = 0;
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)'&');
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }
            var equals = pair.IndexOf((byte)'=');
            var key = Unescape(equals < 0 ? pair : pair[..equals], encoding);
            var value = equals < 0 ? "" : Unescape(pair[(equals + 1)..], encoding);
            if (++count > MaxFields || key.Length > MaxKeyLength || value.Length > MaxValueLength)
            {
                return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, TooManyOrTooLong));
            }
            if (key.Length > 0)
            {
                fields[key] = StringValues.Concat(fields.GetValueOrDefault(key), value);
            }
        }
        return (new FormCollection(fields), null);
    }

    /// <summary>'+' to a space and "%XX" to its byte, then the bytes in the declared charset; a '%' without two hex digits stays as it is.</summary>
    private static string Unescape(ReadOnlySpan<byte> raw, Encoding encoding)
    {
        // Decoding never lengthens a field; most are short enough for the stack.
        Span<byte> bytes = raw.Length <= 256 ? stackalloc byte[256] : new byte[raw.Length];
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == '%' && i + 2 < raw.Length && char.IsAsciiHexDigit((char)raw[i + 1]) && char.IsAsciiHexDigit((char)raw[i + 2]))
            {
                bytes[length++] = (byte)(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
                i += 2;
            }
            else
            {
                bytes[length++] = b == '+' ? (byte)' ' : b;
            }
        }
        return encoding.GetString(bytes[..length]);
    }

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;

    /// <summary>
    /// Multipart is read here rather than by the framework, which decodes a part in whatever charset the part names and
    /// silently falls back to UTF-8 for names it does not know: a part may be plain text in one of our charsets only.
    /// </summary>
    private static async Task<(IFormCollection? Form, IResult? Error)> ReadMultipartAsync(
        HttpRequest request, MediaTypeHeaderValue mediaType, CancellationToken ct)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary);
        if (StringSegment.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, "Malformed form body: the multipart boundary is missing or too long."));
        }
        var (body, bodyError) = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            return (null, bodyError);
        }

        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        var reader = new MultipartReader(boundary.Value!, body) { HeadersCountLimit = 8, HeadersLengthLimit = 4096, BodyLengthLimit = MaxBodyBytes };
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, Malformed));
                }
                if (!StringSegment.IsNullOrEmpty(disposition.FileName) || !StringSegment.IsNullOrEmpty(disposition.FileNameStar))
                {
                    return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, "File uploads are not accepted."));
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (string.IsNullOrEmpty(name) || name.Length > MaxKeyLength || ++count > MaxFields)
                {
                    return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, string.IsNullOrEmpty(name) ? Malformed : TooManyOrTooLong));
                }
                var (encoding, partError) = PartEncoding(section.ContentType, name);
                if (encoding is null)
                {
                    return (null, partError);
                }
                using var text = new StreamReader(section.Body, encoding, detectEncodingFromByteOrderMarks: false);
                var value = await text.ReadToEndAsync(ct);
                if (value.Length > MaxValueLength)
                {
                    return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, TooManyOrTooLong));
                }
                fields[name] = StringValues.Concat(fields.GetValueOrDefault(name), value);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // MultipartReader's own limits, a header line it cannot read, a body that ends inside a part.
            return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, Malformed));
        }
        return (new FormCollection(fields), null);
    }

    /// <summary>A part is plain text (UTF-8 when it names no type) in one of the charsets we read.</summary>
    private static (Encoding? Encoding, IResult? Error) PartEncoding(string? partType, string name)
    {
        if (partType is null)
        {
            return (Encoding.UTF8, null);
        }
        if (!MediaTypeHeaderValue.TryParse(partType, out var partMedia)
            || !partMedia.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ResellerResults.Error(StatusCodes.Status415UnsupportedMediaType,
                "Unsupported content type in a multipart part: a parameter is text/plain (or has no Content-Type).", name));
        }
        if (RequestCharsets.Problem(partType) is { } charsetProblem)
        {
            return (null, ResellerResults.Error(charsetProblem.Status, charsetProblem.Message, name));
        }
        return (RequestCharsets.EncodingFor(partMedia.Charset)!, null);
    }

    /// <summary>The whole body, at most <see cref="MaxBodyBytes"/> (whether or not a Content-Length announced it).</summary>
    private static async Task<(MemoryStream? Body, IResult? Error)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        // Sized from Content-Length when one is announced, so that a form is not copied again as the stream grows.
        var buffer = new MemoryStream((int)Math.Clamp(request.ContentLength ?? 0, 0, MaxBodyBytes));
        try
        {
            if (!await BoundedReads.CopyAsync(request.Body, buffer, MaxBodyBytes, ct))
            {
                return (null, TooLarge());
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException)
        {
            return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, Malformed));
        }
        buffer.Position = 0;
        return (buffer, null);
    }

    private static IResult TooLarge() => ResellerResults.Error(StatusCodes.Status413PayloadTooLarge, "Request body too large.");
}
