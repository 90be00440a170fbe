using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Admin;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Hosting;

/// <summary>
/// The last line of defence: nothing unhandled ever shows a stack trace. The reseller API (and the payment callbacks)
/// answer nurr's <c>{"error": ...}</c>; the admin API a ProblemDetails. A request the client got wrong (an unreadable
/// body, a bad query value) is a 4xx that says what is wrong in words, never a C# type name, and is not logged as an error.
/// </summary>
public static partial class ErrorHandling
{
    private const string BodyTooLarge = "The request body is larger than this endpoint accepts.";
    private const string SendJson = "Send the body as JSON: Content-Type: application/json (UTF-8).";

    public static void UsePaymentHubErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // The framework logs every exception it sees at Error with its stack trace; a bad request is the client's doing.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException { StatusCode: < 500 },
            ExceptionHandler = HandleAsync,
        });
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            if (status == StatusCodes.Status400BadRequest && UnparsableQueryParameter(context) is { } parameter)
            {
                await AnswerUnparsableParameterAsync(context, parameter);
                return;
            }
            if (UsesResellerShape(context.Request.Path))
            {
                await ResellerResults.WriteErrorAsync(context, status, status switch
                {
                    StatusCodes.Status404NotFound => "Not found.",
                    StatusCodes.Status405MethodNotAllowed => "Method not allowed.",
                    StatusCodes.Status413PayloadTooLarge => "Request body too large.",
                    _ => "Request failed.",
                });
                return;
            }
            await Results.Problem(statusCode: status, detail: status switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
                StatusCodes.Status415UnsupportedMediaType => SendJson,
                _ => null,
            }).ExecuteAsync(context);
        });
    }

    /// <summary>The reseller API and the gateways' callbacks answer <c>{"error": ...}</c>; everything else ProblemDetails.</summary>
    public static bool UsesResellerShape(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/payments");

    /// <summary>Answers an error in the shape of the API the request was sent to.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string title, string? detail)
    {
        if (UsesResellerShape(context.Request.Path))
        {
            await ResellerResults.WriteErrorAsync(context, status, detail ?? title);
            return;
        }
        context.Response.StatusCode = status;
        await Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var handler = context.Features.Get<IExceptionHandlerFeature>();
        var error = handler?.Error;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Errors");
        var (status, title, detail) = error is BadHttpRequestException bad
            ? Describe(bad)
            : (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", null);
        if (status >= 500)
        {
            LogUnhandled(logger, error, context.Request.Method, LogText.ForLog(context.Request.Path.Value ?? "/"));
        }
        await AuditFailedAdminCallAsync(context, status, handler?.Endpoint, logger);
        if (UsesResellerShape(context.Request.Path))
        {
            // Each seed spells its 500 row its own way: "Transaction failed" (bills), "Transaction failed." (recharge).
            var failed = context.Request.Path.StartsWithSegments("/api/bill-payment.php") ? "Transaction failed" : "Transaction failed.";
            await ResellerResults.WriteErrorAsync(context, status, status >= 500 ? failed : detail ?? title);
            return;
        }
        context.Response.StatusCode = status;
        await Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
    }

    /// <summary>
    /// What the client got wrong, in words. The framework's own messages name C# parameter types
    /// ("CreateResellerRequest request", "int? reseller_id") and echo the input, so they are never passed on.
    /// </summary>
    public static (int Status, string Title, string? Detail) Describe(BadHttpRequestException error)
    {
        switch (error.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                return (error.StatusCode, "Content Too Large", BodyTooLarge);
            case StatusCodes.Status415UnsupportedMediaType:
                return (error.StatusCode, "Unsupported Media Type", SendJson);
        }
        if (error.InnerException is MoneyFormatException { Path: { Length: > 2 } amountPath } && amountPath.StartsWith("$.", StringComparison.Ordinal))
        {
            var field = amountPath[2..];
            return (StatusCodes.Status400BadRequest, "Invalid amount", $"The field '{field}' must be {MoneyFormatException.Rule}.");
        }
        if (error.InnerException is JsonException json)
        {
            var where = json.Path is { Length: > 1 } path ? $" at '{path}'" : "";
            return (StatusCodes.Status400BadRequest, "The request body is not valid JSON",
                $"The body could not be read{where}: the JSON is malformed there, a field has the wrong type or format, or a field is given twice.");
        }
        var message = error.Message;
        if (message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || message.EndsWith(" from body.", StringComparison.Ordinal))
        {
            // "Implicit body inferred for parameter … but no body was provided." / "Required parameter … was not provided from body."
            return (StatusCodes.Status400BadRequest, "The request body is missing", "Send a JSON object with the documented fields.");
        }
        if (BoundParameter().Match(message) is { Success: true } parameter)
        {
            return (StatusCodes.Status400BadRequest, "Invalid parameter", $"The value of '{parameter.Groups["name"].Value}' is not valid.");
        }
        return (error.StatusCode, "The request could not be read.", null);
    }

    /// <summary>
    /// The endpoints' request delegates are generated at compile time, and for an optional query parameter whose value does not
    /// parse (<c>?limit=ten</c>) the generated code ends the request with an empty 400 instead of throwing as it does for the
    /// other bad values. The handler's parameters say which value that was, so it is named as every other bad value is.
    /// </summary>
    private static string? UnparsableQueryParameter(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>() is not { } handler)
        {
            return null;
        }
        foreach (var parameter in handler.GetParameters())
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            var name = parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? parameter.Name;
            if (type == typeof(string) || name is null || context.Request.Query[name] is not { Count: > 0 } values)
            {
                continue;
            }
            // bool has no public TryParse with a format provider.
            var parsed = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()])
                    is { } withProvider ? withProvider.Invoke(null, [values.ToString(), CultureInfo.InvariantCulture, null])
                : type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()])
                    is { } plain ? plain.Invoke(null, [values.ToString(), null])
                : null;
            if (parsed is false)
            {
                return name;
            }
        }
        return null;
    }

    private static async Task AnswerUnparsableParameterAsync(HttpContext context, string parameter)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Errors");
        await AuditFailedAdminCallAsync(context, StatusCodes.Status400BadRequest, context.GetEndpoint(), logger);
        await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "Invalid parameter", $"The value of '{parameter}' is not valid.");
    }

    /// <summary>The parameter's name (the last word inside the quotes) in "Failed to bind parameter "int? limit" from "…"".</summary>
    [GeneratedRegex(@"\A(?:Failed to bind|Required) parameter ""[^""]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex BoundParameter();

    /// <summary>An admin call that threw, or whose body could not be read, is audited with the status it is answered with.</summary>
    private static async Task AuditFailedAdminCallAsync(HttpContext context, int status, Endpoint? endpoint, ILogger logger)
    {
        if (!AdminAudit.IsPending(context))
        {
            return;
        }
        var services = context.RequestServices;
        try
        {
            await AdminAudit.WriteAsync(context, services.GetRequiredService<PaymentHubDbContext>(), services.GetRequiredService<TimeProvider>(), status, endpoint);
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
        {
            // The failure may be the database itself: the caller still gets its answer, and the log says what is missing.
            LogAuditFailed(logger, ex, context.Request.Method, LogText.ForLog(context.Request.Path.Value ?? "/"), status);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry for {Method} {Path} ({StatusCode}) could not be written")]
    private static partial void LogAuditFailed(ILogger logger, Exception ex, string method, string path, int statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? ex, string method, string path);
}
