using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Infrastructure;

namespace PaymentHub.Catalog;

public sealed record CreateProviderRequest(string Name, string? Logo, string? Status);
public sealed record UpdateProviderRequest(string? Name, string? Logo, string? Status);
public sealed record ProviderAdminReply(int Id, string Name, string Logo, string Status);

public sealed record CreateServiceRequest(
    string Name, string? Logo, List<string> ModuleFields, decimal MinAmount, decimal MaxAmount, decimal Fee, decimal Commission,
    string Connector, string? ConnectorProductCode, string? CustomerNumberField, string? Status);

public sealed record UpdateServiceRequest(
    string? Name, string? Logo, List<string>? ModuleFields, decimal? MinAmount, decimal? MaxAmount, decimal? Fee, decimal? Commission,
    string? Connector, string? ConnectorProductCode, string? CustomerNumberField, string? Status);

public sealed record ServiceAdminReply(
    int Id, int ProviderId, string Name, string Logo, IReadOnlyList<string> ModuleFields, decimal MinAmount, decimal MaxAmount,
    decimal Fee, decimal Commission, string Connector, string? ConnectorProductCode, string? CustomerNumberField, string Status);

internal static partial class CatalogRules
{
    /// <summary>Form fields the bill API already uses; a module field may not take their names.</summary>
    public static readonly HashSet<string> ReservedFields =
        ["api_key", "api_secret", "action", "provider_id", "service_id", "amount", "request_id", "order_number", "bill_month_month", "bill_month_year"];

    [GeneratedRegex(@"\A[a-z][a-z0-9_]{0,49}\z", RegexOptions.CultureInvariant)]
    public static partial Regex FieldName();

    public static bool IsStatus(string? s) => EnumNames.IsName<CatalogStatus>(s);

    /// <summary>The status a request names, or <paramref name="current"/> when it names none (the validator refused any other text).</summary>
    public static CatalogStatus StatusOr(string? text, CatalogStatus current) => EnumNames.TryParse<CatalogStatus>(text, out var status) ? status : current;
}

public sealed class CreateProviderRequestValidator : AbstractValidator<CreateProviderRequest>
{
    public CreateProviderRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters();
        RuleFor(r => r.Logo).MaximumLength(300).NoControlCharacters();
        RuleFor(r => r.Status).Must(CatalogRules.IsStatus).When(r => r.Status is not null).WithMessage("Status must be 'active' or 'inactive'.");
    }
}

public sealed class UpdateProviderRequestValidator : AbstractValidator<UpdateProviderRequest>
{
    public UpdateProviderRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters().When(r => r.Name is not null);
        RuleFor(r => r.Logo).MaximumLength(300).NoControlCharacters();
        RuleFor(r => r.Status).Must(CatalogRules.IsStatus).When(r => r.Status is not null).WithMessage("Status must be 'active' or 'inactive'.");
    }
}

public sealed class CreateServiceRequestValidator : AbstractValidator<CreateServiceRequest>
{
    public CreateServiceRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters();
        RuleFor(r => r.Logo).MaximumLength(300).NoControlCharacters();
        RuleFor(r => r.ModuleFields).NotNull().NotEmpty().Must(f => f.Count <= 10 && f.Distinct().Count() == f.Count)
            .WithMessage("module_fields needs 1 to 10 distinct field names.");
        RuleForEach(r => r.ModuleFields).Must(f => CatalogRules.FieldName().IsMatch(f) && !CatalogRules.ReservedFields.Contains(f))
            .WithMessage("Module field names are lower-case letters, digits and '_', and may not reuse an API parameter name.");
        RuleFor(r => r.MinAmount).GreaterThan(0m).Must(Money.HasAtMostTwoDecimals);
        RuleFor(r => r.MaxAmount).GreaterThanOrEqualTo(r => r.MinAmount).LessThanOrEqualTo(Money.Ceiling).Must(Money.HasAtMostTwoDecimals);
        RuleFor(r => r.Fee).GreaterThanOrEqualTo(0m).LessThanOrEqualTo(Money.Ceiling).Must(Money.HasAtMostTwoDecimals);
        RuleFor(r => r.Commission).GreaterThanOrEqualTo(0m).Must(Money.HasAtMostTwoDecimals)
            .LessThan(r => r.MinAmount + r.Fee).WithMessage("Commission must stay below the smallest total (min_amount + fee).");
        RuleFor(r => r.Connector).NotEmpty().MaximumLength(32);
        RuleFor(r => r.ConnectorProductCode).MaximumLength(64).NoControlCharacters();
        RuleFor(r => r.CustomerNumberField).Must((r, f) => r.ModuleFields?.Contains(f!) == true)
            .When(r => r.CustomerNumberField is not null).WithMessage("customer_number_field must be one of module_fields.");
        RuleFor(r => r.Status).Must(CatalogRules.IsStatus).When(r => r.Status is not null).WithMessage("Status must be 'active' or 'inactive'.");
    }
}

public sealed class UpdateServiceRequestValidator : AbstractValidator<UpdateServiceRequest>
{
    public UpdateServiceRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters().When(r => r.Name is not null);
        RuleFor(r => r.Logo).MaximumLength(300).NoControlCharacters();
        RuleFor(r => r.ModuleFields!).NotEmpty().Must(f => f.Count <= 10 && f.Distinct().Count() == f.Count)
            .When(r => r.ModuleFields is not null).WithMessage("module_fields needs 1 to 10 distinct field names.");
        RuleForEach(r => r.ModuleFields).Must(f => CatalogRules.FieldName().IsMatch(f) && !CatalogRules.ReservedFields.Contains(f))
            .When(r => r.ModuleFields is not null)
            .WithMessage("Module field names are lower-case letters, digits and '_', and may not reuse an API parameter name.");
        RuleFor(r => r.MinAmount).GreaterThan(0m).Must(a => Money.HasAtMostTwoDecimals(a!.Value)).When(r => r.MinAmount is not null);
        RuleFor(r => r.MaxAmount).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => Money.HasAtMostTwoDecimals(a!.Value)).When(r => r.MaxAmount is not null);
        RuleFor(r => r.Fee).GreaterThanOrEqualTo(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => Money.HasAtMostTwoDecimals(a!.Value)).When(r => r.Fee is not null);
        RuleFor(r => r.Commission).GreaterThanOrEqualTo(0m).Must(a => Money.HasAtMostTwoDecimals(a!.Value)).When(r => r.Commission is not null);
        RuleFor(r => r.Connector).NotEmpty().MaximumLength(32).When(r => r.Connector is not null);
        RuleFor(r => r.ConnectorProductCode).MaximumLength(64).NoControlCharacters();
        RuleFor(r => r.Status).Must(CatalogRules.IsStatus).When(r => r.Status is not null).WithMessage("Status must be 'active' or 'inactive'.");
    }
}

public static class CatalogAdminApi
{
    public static RouteGroupBuilder MapCatalogAdminApi(this RouteGroupBuilder admin)
    {
        var providers = admin.MapGroup("/providers").WithTags("Catalog");
        providers.MapPost("/", CreateProviderAsync);
        providers.MapGet("/", ListProvidersAsync);
        providers.MapPatch("/{id:int}", UpdateProviderAsync).WithDescription("Set status 'inactive' to hide a provider and its services from resellers (other instances apply a change within Catalog:CacheSeconds).");
        providers.MapPost("/{id:int}/services", CreateServiceAsync);
        providers.MapGet("/{id:int}/services", ListServicesAsync);

        var services = admin.MapGroup("/services").WithTags("Catalog");
        services.MapGet("/{id:int}", GetServiceAsync);
        services.MapPatch("/{id:int}", UpdateServiceAsync).WithDescription("Set status 'inactive' to hide the service from resellers (other instances apply a change within Catalog:CacheSeconds).");
        return admin;
    }

    public static async Task<Created<ProviderAdminReply>> CreateProviderAsync(
        CreateProviderRequest request, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var provider = new Provider
        {
            Name = request.Name.Trim(),
            Logo = request.Logo?.Trim() ?? "",
            Status = CatalogRules.StatusOr(request.Status, CatalogStatus.Active),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Providers.Add(provider);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/v1/providers/{provider.Id}", ToReply(provider));
    }

    public static async Task<Ok<List<ProviderAdminReply>>> ListProvidersAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var providers = await db.Providers.AsNoTracking().OrderBy(p => p.Id).ToListAsync(ct);
        return TypedResults.Ok(providers.Select(ToReply).ToList());
    }

    public static async Task<Results<Ok<ProviderAdminReply>, ProblemHttpResult>> UpdateProviderAsync(
        int id, UpdateProviderRequest request, PaymentHubDbContext db, ActiveServiceCache activeServices, TimeProvider clock, CancellationToken ct)
    {
        var provider = await db.Providers.FirstOrDefaultAsync(p => p.Id == id, ct);
        if (provider is null)
        {
            return ProviderNotFound(id);
        }
        provider.Name = request.Name?.Trim() ?? provider.Name;
        provider.Logo = request.Logo?.Trim() ?? provider.Logo;
        provider.Status = CatalogRules.StatusOr(request.Status, provider.Status);
        provider.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        activeServices.Clear();
        return TypedResults.Ok(ToReply(provider));
    }

    public static async Task<Results<Created<ServiceAdminReply>, ProblemHttpResult>> CreateServiceAsync(
        int id, CreateServiceRequest request, PaymentHubDbContext db, ConnectorRegistry connectors, TimeProvider clock, CancellationToken ct)
    {
        if (!await db.Providers.AnyAsync(p => p.Id == id, ct))
        {
            return ProviderNotFound(id);
        }
        if (!connectors.IsKnownBillConnector(request.Connector))
        {
            return UnknownConnector(request.Connector, connectors);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var service = new BillService
        {
            ProviderId = id,
            Name = request.Name.Trim(),
            Logo = request.Logo?.Trim() ?? "",
            ModuleFields = string.Join(",", request.ModuleFields),
            MinAmount = request.MinAmount,
            MaxAmount = request.MaxAmount,
            Fee = request.Fee,
            Commission = request.Commission,
            Connector = request.Connector,
            ConnectorProductCode = request.ConnectorProductCode,
            CustomerNumberField = request.CustomerNumberField,
            Status = CatalogRules.StatusOr(request.Status, CatalogStatus.Active),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.BillServices.Add(service);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/v1/services/{service.Id}", ToReply(service));
    }

    public static async Task<Ok<List<ServiceAdminReply>>> ListServicesAsync(int id, PaymentHubDbContext db, CancellationToken ct)
    {
        var services = await db.BillServices.AsNoTracking().Where(s => s.ProviderId == id).OrderBy(s => s.Id).ToListAsync(ct);
        return TypedResults.Ok(services.Select(ToReply).ToList());
    }

    public static async Task<Results<Ok<ServiceAdminReply>, ProblemHttpResult>> GetServiceAsync(int id, PaymentHubDbContext db, CancellationToken ct)
    {
        var service = await db.BillServices.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        return service is null ? ServiceNotFound(id) : TypedResults.Ok(ToReply(service));
    }

    public static async Task<Results<Ok<ServiceAdminReply>, ProblemHttpResult>> UpdateServiceAsync(
        int id, UpdateServiceRequest request, PaymentHubDbContext db, ConnectorRegistry connectors, ActiveServiceCache activeServices,
        TimeProvider clock, CancellationToken ct)
    {
        var service = await db.BillServices.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (service is null)
        {
            return ServiceNotFound(id);
        }
        if (request.Connector is not null && !connectors.IsKnownBillConnector(request.Connector))
        {
            return UnknownConnector(request.Connector, connectors);
        }
        service.Name = request.Name?.Trim() ?? service.Name;
        service.Logo = request.Logo?.Trim() ?? service.Logo;
        service.ModuleFields = request.ModuleFields is null ? service.ModuleFields : string.Join(",", request.ModuleFields);
        service.MinAmount = request.MinAmount ?? service.MinAmount;
        service.MaxAmount = request.MaxAmount ?? service.MaxAmount;
        service.Fee = request.Fee ?? service.Fee;
        service.Commission = request.Commission ?? service.Commission;
        service.Connector = request.Connector ?? service.Connector;
        service.ConnectorProductCode = request.ConnectorProductCode ?? service.ConnectorProductCode;
        service.CustomerNumberField = request.CustomerNumberField ?? service.CustomerNumberField;
        service.Status = CatalogRules.StatusOr(request.Status, service.Status);

        var problems = new Dictionary<string, string[]>();
        if (service.MaxAmount < service.MinAmount)
        {
            problems["max_amount"] = ["max_amount must not be below min_amount."];
        }
        if (service.Commission >= service.MinAmount + service.Fee)
        {
            problems["commission"] = ["Commission must stay below the smallest total (min_amount + fee)."];
        }
        if (service.CustomerNumberField is not null && !service.ModuleFieldList.Contains(service.CustomerNumberField))
        {
            problems["customer_number_field"] = ["customer_number_field must be one of module_fields."];
        }
        if (problems.Count > 0)
        {
            return TypedResults.Problem(statusCode: 400, title: "One or more validation errors occurred.",
                extensions: new Dictionary<string, object?> { ["errors"] = problems });
        }
        service.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        activeServices.Clear();
        return TypedResults.Ok(ToReply(service));
    }

    private static ProblemHttpResult ProviderNotFound(int id) =>
        TypedResults.Problem(statusCode: 404, title: "Provider not found", detail: $"There is no provider {id}.");

    private static ProblemHttpResult ServiceNotFound(int id) =>
        TypedResults.Problem(statusCode: 404, title: "Service not found", detail: $"There is no service {id}.");

    private static ProblemHttpResult UnknownConnector(string name, ConnectorRegistry connectors) =>
        TypedResults.Problem(statusCode: 400, title: "Unknown connector",
            detail: $"'{name}' is not a configured connector. Known: {string.Join(", ", connectors.BillConnectorNames)}.");

    private static ProviderAdminReply ToReply(Provider p) => new(p.Id, p.Name, p.Logo, p.Status.ToString().ToLowerInvariant());

    private static ServiceAdminReply ToReply(BillService s) => new(
        s.Id, s.ProviderId, s.Name, s.Logo, s.ModuleFieldList, s.MinAmount, s.MaxAmount, s.Fee, s.Commission, s.Connector,
        s.ConnectorProductCode, s.CustomerNumberField, s.Status.ToString().ToLowerInvariant());
}
