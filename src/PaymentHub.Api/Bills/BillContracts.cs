using System.Text.Json.Serialization;

namespace PaymentHub.Bills;

public sealed record ProviderItem(int Id, string Name, string Logo, string Status);

public sealed record ProviderCheckReply(bool Success, IReadOnlyList<ProviderItem> Providers);

public sealed record ProviderRef(int Id, string Name);

/// <summary>nurr sends the service and provider ids as strings here, and module_fields both joined and as a list.</summary>
public sealed record ServiceItem(string Id, string ProviderId, string Name, string Logo, string ModuleName, IReadOnlyList<string> ModuleFields);

public sealed record ServiceCheckReply(bool Success, ProviderRef Provider, IReadOnlyList<ServiceItem> Services);

public sealed record SubmitReply(
    bool Success,
    string OrderNumber,
    string Status,
    string Provider,
    string Service,
    IReadOnlyDictionary<string, string> ModuleData,
    string? BillMonth,
    string Amount,
    string TotalAmount);

public sealed record StatusCheckReply(
    bool Success,
    string OrderNumber,
    string Status,
    string Provider,
    string Service,
    IReadOnlyDictionary<string, string> ModuleData,
    string? BillMonth,
    string Amount,
    string DebitAmount,
    string TotalAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Response,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenNumber,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CancelNote);

public sealed record BillInquiryReply(
    bool Success, string CustomerName, string Period, string BillAmount, string AdminFee, string TotalAmount);
