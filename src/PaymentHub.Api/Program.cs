using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.OpenApi;
using PaymentHub.Admin;
using PaymentHub.Bills;
using PaymentHub.Catalog;
using PaymentHub.Connectors.Iak;
using PaymentHub.Connectors.Nurr;
using PaymentHub.Connectors.Sandbox;
using PaymentHub.Data;
using PaymentHub.Demo;
using PaymentHub.Fulfilment;
using PaymentHub.Hosting;
using PaymentHub.Funding;
using PaymentHub.Idempotency;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Observability.Setup;
using PaymentHub.Recharge;
using PaymentHub.Resellers;
using PaymentHub.Wallet;
using PaymentHub.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
});

builder.AddPaymentHubLogging();
builder.AddPaymentHubTelemetry();

builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    options.SerializerOptions.DictionaryKeyPolicy = null;
    options.SerializerOptions.Converters.Add(new MoneyJsonConverter());
    // {"status":"active","status":"suspended"} is refused (400), not read as its last value.
    options.SerializerOptions.AllowDuplicateProperties = false;
});
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddProblemDetails();

builder.Services.AddPaymentHubDatabase();
builder.Services.AddPaymentHubHealthChecks();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<OrderOptions>(builder.Configuration.GetSection("Orders"));
builder.Services.Configure<FulfilmentOptions>(builder.Configuration.GetSection("Fulfilment"));
builder.Services.AddSingleton<OrderNumbers>();
builder.Services.AddSingleton<HouseAccounts>();
builder.Services.AddSingleton<CredentialHasher>();
builder.Services.AddScoped<LedgerService>();
builder.Services.Configure<StatementOptions>(builder.Configuration.GetSection(StatementOptions.Section));
builder.Services.AddScoped<WalletStatements>();
builder.Services.AddScoped<IdempotencyGate>();
builder.Services.AddScoped<ResellerAuthenticator>();
builder.Services.Configure<PerKeyRateLimitOptions>(builder.Configuration.GetSection(PerKeyRateLimitOptions.Section));
builder.Services.Configure<CredentialCacheOptions>(builder.Configuration.GetSection(CredentialCacheOptions.Section));
builder.Services.AddSingleton<CredentialCache>();
builder.Services.Configure<CatalogCacheOptions>(builder.Configuration.GetSection(CatalogCacheOptions.Section));
builder.Services.AddSingleton<ActiveServiceCache>();
builder.Services.AddSingleton<ActiveOperatorCache>();
builder.Services.AddSingleton<ActiveOfferCache>();
builder.Services.AddSingleton<ApiKeyRateLimiter>();
builder.Services.AddScoped<BillOrderSettlement>();
builder.Services.AddScoped<BillOrderPlacement>();
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddScoped<AuditFilter>();
builder.Services.AddSingleton<AdminAuthThrottle>();
builder.Services.AddSingleton<IBillConnector, SandboxBillConnector>();
builder.Services.Configure<RechargeOptions>(builder.Configuration.GetSection("Recharge"));
builder.Services.AddSingleton<IRechargeConnector, SandboxRechargeConnector>();
builder.Services.AddNurrConnector();
builder.Services.AddScoped<RechargeSettlement>();
builder.Services.AddScoped<RechargePlacement>();
builder.Services.AddScoped<RechargeSending>();
builder.Services.AddScoped<RewardEngine>();
builder.Services.AddHostedService<RechargeReconciler>();
builder.Services.AddIakConnector();
builder.Services.AddFunding();
builder.Services.AddWebhooks(builder.Configuration);
builder.Services.AddSingleton<ConnectorRegistry>();
builder.Services.AddSingleton(typeof(WorkSignal<>));
builder.Services.AddSingleton<BillFulfilmentWorker>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<BillFulfilmentWorker>());
// A rule stops at its first failure, so a later check (Must, Matches) never sees the null that NotEmpty already refused.
ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton);

// No default scheme: the admin key is checked where the admin policy asks for it (the policy names the scheme), not on
// every reseller request, which authenticates with its form (ResellerAuthentication) and would pay for the handler first.
builder.Services.AddAuthentication()
    .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(AdminKeyAuthenticationHandler.PolicyName, policy => policy
        .AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser());

builder.Services.AddSingleton<AddressRateLimiter>();

builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(options =>
{
    options.SwaggerDoc("v1", new OpenApiInfo
    {
        Title = "PaymentHub",
        Version = "v1",
        Description = "Admin API (/admin/v1, Bearer admin key) and the nurr-compatible reseller API (/api, form POST with api_key and api_secret; one entry per action).",
    });
    options.AddSecurityDefinition(AdminSecurityOperationFilter.SchemeName, new OpenApiSecurityScheme
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        Description = "An admin key (admin API only). Paste the key only; Swagger UI adds 'Bearer '.",
    });
    options.OperationFilter<AdminSecurityOperationFilter>();
    options.DocumentFilter<ResellerApiDocumentFilter>();
    options.CustomSchemaIds(type => type.FullName!.Replace("PaymentHub.", "", StringComparison.Ordinal).Replace('+', '.'));
});

var app = builder.Build();

// First, so that the logs, the per-address limits and the key allowlists all see the client's address.
app.UseConfiguredForwardedHeaders(app.Configuration);
app.UseSecurityHeaders();
// Outermost but for the headers, so that the line it writes carries the status the client got, after the error handling below set it.
app.UsePaymentHubRequestLogging();
app.UsePaymentHubErrorHandling();
app.UseAddressRateLimit();
app.UseRequestCharsetGuard();
app.UseAdminAuthThrottle();
app.UseAuthentication();
app.UseAuthorization();
app.UseResellerAuthentication();

// The API description is for operators; in Production it is published only when asked for.
if (app.Configuration.GetValue("Swagger:Enabled", !app.Environment.IsProduction()))
{
    app.UseSwagger();
    app.UseSwaggerUI(options => options.DocumentTitle = "PaymentHub admin API");
    app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
}
app.MapPaymentHubHealth();
app.MapPaymentHubMetrics();

var resellerApi = app.MapGroup("/api")
    .WithTags("Reseller API (nurr-compatible)")
    .RequireAddressRateLimit()
    .RequireResellerAuthentication()
    .DisableAntiforgery()
    .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(ResellerForm.MaxBodyBytes));
resellerApi.MapBillPaymentApi();
resellerApi.MapRechargeApi();
resellerApi.MapWalletApi();
resellerApi.MapCallbacksApi();
app.MapPaymentPages();

var adminApi = app.MapGroup("/admin/v1")
    .RequireAuthorization(AdminKeyAuthenticationHandler.PolicyName)
    .AddEndpointFilter<AuditFilter>()
    .AddEndpointFilter<ValidationFilter>()
    .ProducesProblem(StatusCodes.Status401Unauthorized);
adminApi.MapResellerAdminApi();
adminApi.MapWalletAdminApi();
adminApi.MapCatalogAdminApi();
adminApi.MapBillOrderAdminApi();
adminApi.MapRechargeAdminApi();
adminApi.MapLedgerAdminApi();
adminApi.MapAdminKeysApi();
adminApi.MapIakAdminApi();
adminApi.MapTopUpAdminApi();
adminApi.MapWebhookAdminApi();

await StartupTasks.RunAsync(app);
await app.RunAsync();

public partial class Program;
