using System.Security.Claims;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Json;

namespace PaymentHub.Hosting;

/// <summary>
/// Serilog for every log line: levels and extra sinks from the "Serilog" section of the configuration, the console as
/// text lines in Development and compact JSON in Production (Logging:Console:Format = text | json overrides), and
/// Logging:File:Path adds a JSON-lines file.
/// </summary>
public static class Logging
{
    public const string RequestLineTemplate =
        "HTTP {Method} {Path} action={Action} responded {StatusCode} in {ElapsedMs} ms reseller={ResellerId} admin={Admin}";

    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static WebApplicationBuilder AddPaymentHubLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // The static Log.Logger is left alone: every host (the tests start several in one process) has its own logger.
        builder.Services.AddSerilog((services, logger) =>
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            var environment = services.GetRequiredService<IHostEnvironment>();
            logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext().Filter.ByExcluding(MigrationsHistoryProbe.IsExpectedFailure);
            var consoleLevel = configuration.GetValue("Logging:Console:MinimumLevel", LogEventLevel.Verbose);
            var json = configuration["Logging:Console:Format"] is { Length: > 0 } format
                ? string.Equals(format, "json", StringComparison.OrdinalIgnoreCase)
                : environment.IsProduction();
            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter(), restrictedToMinimumLevel: consoleLevel);
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: TextTemplate, restrictedToMinimumLevel: consoleLevel);
            }
            if (configuration["Logging:File:Path"] is { Length: > 0 } logPath)
            {
                logger.WriteTo.File(new JsonFormatter(renderMessage: true), logPath);
            }
        }, preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One line per request: method, path, action, the status the client got, elapsed, reseller or admin. Never the
    /// query string (but for its action) or the body, which is where credentials travel. Registered outside the error
    /// handling, so a failure is already answered (and its status set) when the line is written.
    /// </summary>
    public static IApplicationBuilder UsePaymentHubRequestLogging(this WebApplication app) =>
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = RequestLineTemplate;
            options.IncludeQueryInRequestPath = false;
            options.GetLevel = (_, _, _) => LogEventLevel.Information;
            options.GetMessageTemplateProperties = (http, _, elapsedMs, statusCode) =>
            [
                new LogEventProperty("Method", new ScalarValue(http.Request.Method)),
                // The decoded path, escaped: the raw target Serilog would use could still carry the query.
                new LogEventProperty("Path", new ScalarValue(LogText.ForLog(http.Request.Path.Value is { Length: > 0 } path ? path : "/"))),
                new LogEventProperty("StatusCode", new ScalarValue(statusCode)),
                new LogEventProperty("ElapsedMs", new ScalarValue(Math.Round(elapsedMs, 1))),
            ];
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                var action = http.Request.Query["action"].ToString();
                diagnostics.Set("Action", action.Length is > 0 and <= 40 ? LogText.ForLog(action) : null);
                diagnostics.Set("ResellerId", http.Items.TryGetValue(ResellerAuthenticator.ResellerIdItem, out var id) ? id as int? : null);
                diagnostics.Set("Admin", http.User.FindFirstValue(ClaimTypes.Name));
            };
        });
}
