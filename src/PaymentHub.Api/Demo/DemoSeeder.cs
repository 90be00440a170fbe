using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Catalog;
using PaymentHub.Connectors;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Demo;

/// <summary>
/// Development data for a fresh database: a Bangladeshi utility catalogue on the sandbox connector (laid out so
/// that nurr's documented example, provider 1 / service 5 "DESCO Prepaid", works as written) and a funded demo
/// reseller whose credentials are printed once.
/// </summary>
public sealed partial class DemoSeeder(
    PaymentHubDbContext db, CredentialHasher hasher, LedgerService ledger, HouseAccounts house, TimeProvider clock, ILogger<DemoSeeder> logger)
{
    public const string DemoResellerName = "Demo Reseller";
    public const decimal DemoOpeningBalance = 10_000.00m;

    private static readonly (string Provider, string Logo)[] Providers =
    [
        ("DESCO", "desco.png"), ("DPDC", "dpdc.png"), ("NESCO", "nesco.png"), ("WZPDCL", "wzpdcl.png"),
        ("BPDB", "bpdb.png"), ("Palli Bidyut (BREB)", "breb.png"),
    ];

    private static readonly (int Provider, string Name, string Logo, string Fields, decimal Fee, decimal Commission)[] Services =
    [
        (2, "DPDC Postpaid", "dpdc-postpaid.png", "account_number,bill_month,contact_number", 5m, 2m),
        (2, "DPDC Prepaid", "dpdc-prepaid.png", "meter_number,contact_number", 0m, 0m),
        (3, "NESCO Prepaid", "nesco-prepaid.png", "consumer_number,contact_number", 0m, 0m),
        (3, "NESCO Postpaid", "nesco-postpaid.png", "consumer_number,bill_month,contact_number", 5m, 2m),
        (1, "DESCO Prepaid", "desco-prepaid.png", "meter_number,bill_month,contact_number", 0m, 0m),
        (1, "DESCO Postpaid", "desco-postpaid.png", "account_number,bill_month,contact_number", 5m, 2m),
        (4, "WZPDCL Postpaid", "wzpdcl-postpaid.png", "account_number,bill_month,contact_number", 5m, 2m),
        (5, "BPDB Prepaid", "bpdb-prepaid.png", "meter_number,contact_number", 0m, 0m),
        (6, "Palli Bidyut Postpaid", "breb-postpaid.png", "sms_account_number,bill_month,contact_number", 5m, 2m),
    ];

    public async Task SeedAsync(OperatorConsole console, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await SeedCatalogueAsync(now, ct);
        await SeedResellerAsync(console, now, ct);
    }

    private async Task SeedCatalogueAsync(DateTime now, CancellationToken ct)
    {
        if (!await db.Providers.AnyAsync(ct))
        {
            // Saved one by one so that identities come out 1, 2, 3… in this order on every provider.
            foreach (var (name, logo) in Providers)
            {
                db.Providers.Add(new Provider { Name = name, Logo = logo, Status = CatalogStatus.Active, CreatedAt = now, UpdatedAt = now });
                await db.SaveChangesAsync(ct);
            }
            var providerIds = await db.Providers.OrderBy(p => p.Id).Select(p => p.Id).ToListAsync(ct);
            foreach (var s in Services)
            {
                db.BillServices.Add(new BillService
                {
                    ProviderId = providerIds[s.Provider - 1],
                    Name = s.Name,
                    Logo = s.Logo,
                    ModuleFields = s.Fields,
                    MinAmount = 10m,
                    MaxAmount = 50_000m,
                    Fee = s.Fee,
                    Commission = s.Commission,
                    Connector = ConnectorNames.Sandbox,
                    Status = CatalogStatus.Active,
                    CreatedAt = now,
                    UpdatedAt = now,
                });
                await db.SaveChangesAsync(ct);
            }
            LogCatalogueSeeded(logger, Providers.Length, Services.Length);
        }
    }

    private async Task SeedResellerAsync(OperatorConsole console, DateTime now, CancellationToken ct)
    {
        if (await db.Resellers.AnyAsync(r => r.Name == DemoResellerName, ct))
        {
            // Seeded before: what the operator has changed since (an operator's connector, say) stays as they left it.
            return;
        }
        var wallet = new LedgerAccount { Code = $"wallet:{Guid.NewGuid():N}", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = now };
        var reseller = new Reseller { Name = DemoResellerName, Status = ResellerStatus.Active, WalletAccount = wallet, CreatedAt = now };
        db.Resellers.Add(reseller);
        await db.SaveChangesAsync(ct);
        wallet.ResellerId = reseller.Id;
        var apiKey = CredentialHasher.NewApiKey();
        var apiSecret = CredentialHasher.NewApiSecret();
        db.ApiCredentials.Add(new ApiCredential { ResellerId = reseller.Id, ApiKey = apiKey, SecretHash = hasher.Hash(apiSecret), CreatedAt = now });

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            // Demo recharges go to the sandbox, so the seed's curl examples complete on the run command. Only on this
            // first seeding: an operator later set back to 'manual' is not switched again on the next start.
            await db.MobileOperators.Where(o => o.Connector == ConnectorNames.Manual)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Connector, ConnectorNames.Sandbox), ct);
            await ledger.PostAsync(JournalKind.OperatorCredit, $"demo-opening:{reseller.Id}", "Demo opening balance",
                [new Posting(wallet.Id, DemoOpeningBalance), new Posting(house[LedgerAccountKind.OperatorFunding], -DemoOpeningBalance)], ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        LogResellerSeeded(logger, reseller.Id);
        // Printed once to the console only, never through the logger.
        console.Show(
            string.Create(CultureInfo.InvariantCulture, $" Demo reseller created (balance {DemoOpeningBalance:0.00} BDT). Shown only this once:"),
            $"   api_key    = {apiKey}",
            $"   api_secret = {apiSecret}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo catalogue seeded: {Providers} providers, {Services} services")]
    private static partial void LogCatalogueSeeded(ILogger logger, int providers, int services);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo reseller {ResellerId} created; credentials printed to the console once")]
    private static partial void LogResellerSeeded(ILogger logger, int resellerId);
}
