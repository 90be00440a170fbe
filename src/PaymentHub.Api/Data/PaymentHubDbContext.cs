using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using PaymentHub.Admin;
using PaymentHub.Bills;
using PaymentHub.Catalog;
using PaymentHub.Idempotency;
using PaymentHub.Ledger;
using PaymentHub.Observability;
using PaymentHub.Resellers;

namespace PaymentHub.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own concrete context (<see cref="PostgresPaymentHubDbContext"/>,
/// <see cref="SqlitePaymentHubDbContext"/>) so that dotnet-ef keeps a migrations folder and model snapshot per provider;
/// the application asks for this type and <see cref="DatabaseSetup"/> hands it the one configured.
/// </summary>
// The options are the non-generic type so that each provider's context can be pooled with options of its own type.
public abstract class PaymentHubDbContext(DbContextOptions options) : DbContext(options), IWalletMovementTally
{
    WalletMovementTally IWalletMovementTally.WalletMovements { get; } = new();

    /// <summary>
    /// Whether this context runs on PostgreSQL (each provider has its own context type, <see cref="DatabaseSetup"/>).
    /// Not EF's <c>Database.IsNpgsql()</c>: that reads the provider assembly's name on every call, an allocation and a
    /// parse that showed in a profile of the recharge step, where the ledger, the order's writes and the reward step each ask.
    /// </summary>
    public bool IsPostgres => this is PostgresPaymentHubDbContext;

    public DbSet<LedgerAccount> LedgerAccounts => Set<LedgerAccount>();
    public DbSet<LedgerJournal> LedgerJournals => Set<LedgerJournal>();
    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();
    public DbSet<Reseller> Resellers => Set<Reseller>();
    public DbSet<ApiCredential> ApiCredentials => Set<ApiCredential>();
    public DbSet<Provider> Providers => Set<Provider>();
    public DbSet<BillService> BillServices => Set<BillService>();
    public DbSet<BillOrder> BillOrders => Set<BillOrder>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<AdminKey> AdminKeys => Set<AdminKey>();
    public DbSet<AuditLogEntry> AuditLog => Set<AuditLogEntry>();
    public DbSet<AppSetting> AppSettings => Set<AppSetting>();
    public DbSet<Funding.TopUp> TopUps => Set<Funding.TopUp>();
    public DbSet<Funding.FundingGatewaySettings> FundingGateways => Set<Funding.FundingGatewaySettings>();
    public DbSet<Recharge.MobileOperator> MobileOperators => Set<Recharge.MobileOperator>();
    public DbSet<Recharge.RechargeOrder> RechargeOrders => Set<Recharge.RechargeOrder>();
    public DbSet<Recharge.RewardSettings> RewardSettings => Set<Recharge.RewardSettings>();
    public DbSet<Recharge.RewardLevel> RewardLevels => Set<Recharge.RewardLevel>();
    public DbSet<Recharge.ResellerRewardAccount> ResellerRewardAccounts => Set<Recharge.ResellerRewardAccount>();
    public DbSet<Recharge.CashbackOffer> CashbackOffers => Set<Recharge.CashbackOffer>();
    public DbSet<Recharge.CashbackGrant> CashbackGrants => Set<Recharge.CashbackGrant>();
    public DbSet<Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Webhooks.WebhookEndpoint>();
    public DbSet<Webhooks.WebhookDelivery> WebhookDeliveries => Set<Webhooks.WebhookDelivery>();
    public DbSet<Webhooks.WebhookAttempt> WebhookAttempts => Set<Webhooks.WebhookAttempt>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PaymentHubDbContext).Assembly);
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
        AddEnumCheckConstraints(modelBuilder.Model, this.GetService<ISqlGenerationHelper>(),
            this.GetService<IRelationalTypeMappingSource>().FindMapping(typeof(string))!, IsPostgres);
    }

    /// <summary>
    /// Every enum column gets <c>CK_{table}_{column}</c>: the column holds only a value this model writes for the enum
    /// (its names, as enums are stored as strings), so no code path or hand-written statement can store one it
    /// cannot read back. NULL stays allowed where the column is nullable.
    /// </summary>
    /// <remarks>
    /// On PostgreSQL the names are one array constant (<c>"kind" = ANY ('{"A","B"}'::text[])</c>), not <c>IN (…)</c>,
    /// which PostgreSQL stores as an <c>ARRAY[…]</c> of one constant per name. PostgreSQL reads every CHECK of a table
    /// back from its stored text on each statement that writes the table, and folds that array again: on the hot paths
    /// (the wallet's debit, the journal, the order and its settlement) the <c>IN</c> form cost about 10 % of
    /// PostgreSQL's instructions per recharge (bench/README.md, "The CHECK constraints' form"). Same names, same rule.
    /// </remarks>
    private static void AddEnumCheckConstraints(IMutableModel model, ISqlGenerationHelper sql, RelationalTypeMapping text, bool postgres)
    {
        foreach (var entity in model.GetEntityTypes())
        {
            if (entity.GetTableName() is not { } table)
            {
                continue;
            }
            foreach (var property in entity.GetDeclaredProperties())
            {
                var enumType = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
                if (!enumType.IsEnum)
                {
                    continue;
                }
                var column = sql.DelimitIdentifier(property.GetColumnName());
                var stored = StoredValues(property, enumType).ToList();
                var rule = postgres && stored.All(value => value is string)
                    ? $"{column} = ANY ({text.GenerateSqlLiteral(PostgresTextArray(stored.Cast<string>()))}::text[])"
                    : $"{column} IN ({string.Join(", ", stored.Select(value => value switch
                    {
                        string name => text.GenerateSqlLiteral(name),
                        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
                    }))})";
                entity.AddCheckConstraint($"CK_{table}_{property.GetColumnName()}", rule);
            }
        }
    }

    /// <summary>A PostgreSQL array literal of <paramref name="names"/>, each quoted, so that none is read as NULL.</summary>
    private static string PostgresTextArray(IEnumerable<string> names) =>
        "{" + string.Join(",", names.Select(name => "\"" + name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")) + "}";

    private static IEnumerable<object> StoredValues(IMutableProperty property, Type enumType)
    {
        var values = Enum.GetValues(enumType).Cast<object>();
        if (property.GetValueConverter() is { } converter)
        {
            return values.Select(v => converter.ConvertToProvider(v)!).Distinct();
        }
        var provider = property.GetProviderClrType() ?? enumType;
        if (provider == typeof(string))
        {
            return values.Select(v => (object)v.ToString()!).Distinct();
        }
        if (provider.IsEnum || provider == Enum.GetUnderlyingType(enumType))
        {
            return values.Select(v => Convert.ChangeType(v, Enum.GetUnderlyingType(enumType), CultureInfo.InvariantCulture)).Distinct();
        }
        throw new InvalidOperationException(
            $"{property.DeclaringType.DisplayName()}.{property.Name} stores the enum {enumType.Name} as {provider.Name}: give it a CHECK constraint by hand.");
    }

    public static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                builder.Append('_');
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<decimal>().HavePrecision(18, 2);
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>();
        // No index for a foreign key unless its configuration declares one: each is one more insert on every row, and on the
        // orders' settlement UPDATE (never HOT: it changes the indexed status) one more for every settlement. The orders'
        // journal and operator/service keys have none: nothing reads orders by them, and their parents are never deleted
        // nor their keys changed, which is when PostgreSQL would look the children up (bench/README.md, "Indexes nobody reads").
        configurationBuilder.Conventions.Remove<ForeignKeyIndexConvention>();
    }

    /// <summary>Every timestamp is UTC; SQLite hands them back unspecified, so mark them on the way in.</summary>
    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
