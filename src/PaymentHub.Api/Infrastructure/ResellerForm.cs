using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace PaymentHub.Infrastructure;

/// <summary>
/// The form fields of a reseller call (nurr's API is form POST, urlencoded or multipart). Reading it never throws:
/// a body that is too large, malformed or of another type becomes a clear JSON error.
/// </summary>
public sealed class ResellerForm
{
    public const int MaxBodyBytes = 32 * 1024;
    private readonly IFormCollection _form;

    private ResellerForm(IFormCollection form) => _form = form;

    public static readonly ResellerForm Empty = new(FormCollection.Empty);

    public string? this[string name]
    {
        get
        {
            var value = _form.TryGetValue(name, out var values) ? values.ToString().Trim() : null;
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }

    public bool Has(string name) => this[name] is not null;

    public static async Task<(ResellerForm? Form, IResult? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, ResellerResults.Error(StatusCodes.Status413PayloadTooLarge, "Request body too large."));
        }
        if (!request.HasFormContentType)
        {
            var hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
            return hasBody
                ? (null, ResellerResults.Error(StatusCodes.Status415UnsupportedMediaType,
                    "Unsupported content type. Send the parameters as form data (application/x-www-form-urlencoded or multipart/form-data)."))
                : (Empty, null);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(FormLimits, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ResellerResults.Error(StatusCodes.Status413PayloadTooLarge, "Request body too large."));
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, "Malformed form body."));
        }

        if (form.Files.Count > 0)
        {
            return (null, ResellerResults.Error(StatusCodes.Status400BadRequest, "File uploads are not accepted."));
        }
        foreach (var (key, values) in form)
        {
            if (values.Count > 1)
            {
                return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Duplicate parameter.", key));
            }
            if (HasControlCharacters(values))
            {
                return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid characters in parameter.", key));
            }
        }
        return (new ResellerForm(form), null);
    }

    private static bool HasControlCharacters(StringValues values) =>
        values.ToString().Any(c => char.IsControl(c));

    private static readonly FormOptions FormLimits = new()
    {
        ValueCountLimit = 64,
        KeyLengthLimit = 100,
        ValueLengthLimit = 4096,
        MultipartBodyLengthLimit = MaxBodyBytes,
        MultipartHeadersCountLimit = 8,
        BufferBodyLengthLimit = MaxBodyBytes,
        MemoryBufferThreshold = MaxBodyBytes,
    };
}
