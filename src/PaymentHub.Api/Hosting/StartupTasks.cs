using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Admin;
using PaymentHub.Data;
using PaymentHub.Demo;
using PaymentHub.Funding;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;
using PaymentHub.Webhooks;

namespace PaymentHub.Hosting;

/// <summary>Runs once before the app serves: migrations, house accounts, hashing key, admin bootstrap, the sandbox gateway's settings (Development), demo data.</summary>
public static partial class StartupTasks
{
    private const string CredentialKeySetting = "credential_hash_key";

    public static async Task RunAsync(WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<PaymentHubDbContext>();
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Startup");

        if (db.Database.IsSqlite())
        {
            await using var connection = await db.Database.HoldConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        // MigrateAsync also diffs the model against the migrations' snapshot on every call, which costs more than a start
        // needs when nothing is pending (SchemaDriftTests keep model and migrations in step); instances that race here
        // both find migrations pending, and the migration lock applies them once (MigrateOneInstanceAtATimeAsync).
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            await MigrateOneInstanceAtATimeAsync(db, ct);
        }
        LogMigrated(logger, db.Database.ProviderName ?? "unknown");

        await services.GetRequiredService<HouseAccounts>().EnsureCreatedAsync(db, clock, ct);
        services.GetRequiredService<CredentialHasher>().Initialize(
            await LoadKeyAsync(db, app.Configuration["Security:CredentialHashKey"], CredentialKeySetting, ct));
        services.GetRequiredService<WebhookSecrets>().Initialize(
            await LoadKeyAsync(db, app.Configuration["Webhooks:SecretKey"], WebhookSecrets.KeySetting, ct));
        var console = OperatorConsole.From(services);
        await EnsureAdminKeyAsync(db, app.Configuration, clock, console, logger, ct);

        if (SandboxGateway.IsAvailableIn(app.Environment))
        {
            await SandboxGateway.EnsureSettingsAsync(db, clock, ct);
            services.GetRequiredService<SandboxTokens>().Initialize(await LoadKeyAsync(db, null, SandboxTokens.KeySetting, ct));
        }

        var seedDemo = app.Configuration.GetValue<bool?>("Demo:Seed") ?? app.Environment.IsDevelopment();
        if (seedDemo)
        {
            await services.GetRequiredService<DemoSeeder>().SeedAsync(console, ct);
        }
    }

    /// <summary>A configured key, else the random one generated once and kept in app_settings under <paramref name="setting"/>.</summary>
    private static async Task<byte[]> LoadKeyAsync(PaymentHubDbContext db, string? configured, string setting, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Convert.FromBase64String(configured);
        }
        var stored = await db.AppSettings.AsNoTracking().FirstOrDefaultAsync(s => s.Name == setting, ct);
        if (stored is not null)
        {
            return Convert.FromBase64String(stored.Value);
        }
        db.AppSettings.Add(new AppSetting { Name = setting, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
        }
        stored = await db.AppSettings.AsNoTracking().SingleAsync(s => s.Name == setting, ct);
        return Convert.FromBase64String(stored.Value);
    }

    /// <summary>Any number that no other advisory lock on this database uses: the key of the migration lock.</summary>
    internal const long MigrationLockKey = 0x5061_796D_4875_6201; // "PaymHub", 1

    /// <summary>
    /// Applies the pending migrations, on PostgreSQL while holding a session-level advisory lock on a connection of its
    /// own. EF's own migration lock (Npgsql's <c>LOCK TABLE</c> on the history table) lives only as long as a
    /// transaction, and a migration with a statement outside its transaction
    /// (<see cref="Data.Migrations.CheckConstraintGuard.ValidateAfterCommit"/>) commits before that statement and takes
    /// the lock again only after it. Another instance starting in that gap would find the migration still pending and
    /// start applying it a second time. With this lock it waits until the first instance is done, and then finds nothing
    /// pending. The lock session is not pooled: closing it ends the session, and with it the lock, however the
    /// migration ended.
    /// </summary>
    private static async Task MigrateOneInstanceAtATimeAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            await db.Database.MigrateAsync(ct);
            return;
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var lockSession = connection.CloneWith(new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false }.ConnectionString);
        await lockSession.OpenAsync(ct);
        // No command timeout: validating a large table can take minutes, and waiting for it is the point.
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockSession) { CommandTimeout = 0 })
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        await db.Database.MigrateAsync(ct);
    }

    private static async Task EnsureAdminKeyAsync(
        PaymentHubDbContext db, IConfiguration configuration, TimeProvider clock, OperatorConsole console, ILogger logger, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var bootstrapKey = configuration["Admin:BootstrapKey"];
        if (!string.IsNullOrWhiteSpace(bootstrapKey))
        {
            var hash = AdminKeyAuthenticationHandler.HashKey(bootstrapKey);
            if (!await db.AdminKeys.AnyAsync(k => k.KeyHash == hash, ct))
            {
                db.AdminKeys.Add(new AdminKey { Name = "bootstrap", KeyHash = hash, KeyPrefix = bootstrapKey[..Math.Min(4, bootstrapKey.Length)] + "…", CreatedAt = now });
                await SaveIgnoringRaceAsync(db, ct);
            }
            return;
        }
        if (await db.AdminKeys.AnyAsync(ct))
        {
            return;
        }
        var key = AdminKeyAuthenticationHandler.NewKey();
        db.AdminKeys.Add(new AdminKey { Name = "initial", KeyHash = AdminKeyAuthenticationHandler.HashKey(key), KeyPrefix = key[..10], CreatedAt = now });
        await SaveIgnoringRaceAsync(db, ct);
        LogAdminKeyCreated(logger);
        // Printed once to the console only, never through the logger, so it never reaches a log sink.
        console.Show(
            " PaymentHub: first start. Your admin key (shown only this once):",
            $"   {key}",
            " Use it as 'Authorization: Bearer <key>' on /admin/v1 and in /swagger.");
    }

    private static async Task SaveIgnoringRaceAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated ({Provider})")]
    private static partial void LogMigrated(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key existed: created one and printed it to the console once")]
    private static partial void LogAdminKeyCreated(ILogger logger);
}
