using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run, started once with the machine's initdb/pg_ctl (as the
/// <c>postgres</c> user when the tests run as root) and stopped when the test process exits. Each test class gets
/// its own database. Set PAYMENTHUB_TEST_POSTGRES to a connection string to use an existing server instead.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString)
    {
        _adminConnectionString = adminConnectionString;
        _migratedTemplate = new Lazy<Task<MigratedTemplate>>(MigrateTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>An empty database (no tables): for tests of migrations themselves.</summary>
    public Task<string> CreateDatabaseAsync(string prefix) => CreateAsync(prefix, template: null);

    /// <summary>
    /// A database with every migration applied, copied from a template migrated once per run: a gateway starting on it finds
    /// nothing to migrate, which saves each test the second or more that applying all migrations costs.
    /// </summary>
    public async Task<string> CreateMigratedDatabaseAsync(string prefix) => await CreateAsync(prefix, (await _migratedTemplate.Value).Name);

    /// <summary>
    /// Like <see cref="CreateMigratedDatabaseAsync"/>, but a database an earlier test gave back through <see cref="RecycleAsync"/>
    /// (emptied to the template's rows) when there is one. Its name then keeps the earlier test's prefix.
    /// </summary>
    public async Task<string> RentMigratedDatabaseAsync(string prefix) =>
        (await _migratedTemplate.Value).Recycler.TryTake(out var recycled) ? recycled : await CreateMigratedDatabaseAsync(prefix);

    /// <summary>Hands a database no one uses any more to the next <see cref="RentMigratedDatabaseAsync"/>; false if it cannot be reused.</summary>
    public async Task<bool> RecycleAsync(string connectionString) =>
        await (await _migratedTemplate.Value).Recycler.TryRecycleAsync(connectionString);

    private sealed record MigratedTemplate(string Name, DatabaseRecycler Recycler);

    private readonly Lazy<Task<MigratedTemplate>> _migratedTemplate;

    private async Task<MigratedTemplate> MigrateTemplateAsync()
    {
        var template = $"migrated_template_{Guid.NewGuid():N}"[..30];
        var connectionString = await CreateAsync(template, template: null, exactName: true);
        // Unpooled: CREATE DATABASE … TEMPLATE refuses a template anyone is still connected to. (Clearing the pool afterwards
        // missed: DatabaseSetup adds Max Auto Prepare to the connection string, which makes it another pool.)
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using (var db = DatabaseSetup.Create(DatabaseProvider.Postgres, unpooled))
        {
            await db.Database.MigrateAsync();
        }
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync();
        return new MigratedTemplate(template, await DatabaseRecycler.ReadTemplateAsync(connection));
    }

    private async Task<string> CreateAsync(string prefix, string? template, bool exactName = false)
    {
        var name = exactName ? prefix : $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            var from = template is null ? "" : $" TEMPLATE \"{template}\"";
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{from}", connection);
            await command.ExecuteNonQueryAsync();
        }
        // Each test database has its own pool. Idle connections close after 30 s: long enough that a class's tests reuse their
        // backends (each new one reads the catalogue afresh, a few tens of milliseconds of server CPU), short enough that a
        // run's hundreds of databases stay far below max_connections (a full run peaked at 335 client backends).
        return new NpgsqlConnectionStringBuilder(_adminConnectionString)
        {
            Database = name,
            MaxPoolSize = 120,
            // Tests that send hundreds of requests at once wait for a pooled connection; on a loaded machine longer than the default 15 s.
            Timeout = 60,
            ConnectionIdleLifetime = 30,
            ConnectionPruningInterval = 5,
        }.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("PAYMENTHUB_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresServer(external);
        }

        var initdb = FindTool("initdb");
        var pgCtl = FindTool("pg_ctl");
        var root = Path.Combine(ClusterParent(), $"paymenthub-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var dataDir = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", root], asPostgres: false);
        }

        await RunAsync(initdb, ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], asRoot);
        var port = LoopbackPorts.Free();
        // No autovacuum: a run leaves hundreds of small databases behind, and the launcher would start a worker in one of them
        // every fraction of a second (each a new backend reading the catalogue) for tables no test keeps long enough to need it.
        var serverOptions = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                            "-c full_page_writes=off -c max_connections=1000 -c shared_buffers=128MB -c autovacuum=off";
        await RunAsync(pgCtl, ["-D", dataDir, "-l", Path.Combine(root, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start"], asRoot);

        var stop = $"{ExitWatchdog.Quote(pgCtl)} -D {ExitWatchdog.Quote(dataDir)} -m immediate -w stop; rm -rf {ExitWatchdog.Quote(root)}";
        ExitWatchdog.RunAfterExit(asRoot ? $"runuser -u postgres -- {stop}" : stop);

        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true");
    }

    /// <summary>
    /// Where the cluster's files go: /dev/shm when it is a memory file system with room to spare, else the temp directory.
    /// A run creates and drops thousands of files (every database copy, every recycled table's new file) and grows the cluster
    /// to about 1.3 GB. On the ext4 disk with online discard of this machine kind, creating, writing and unlinking them cost
    /// the kernel 5-8 % of a run's CPU. Set PAYMENTHUB_TEST_PG_ON_DISK to keep the cluster on disk.
    /// </summary>
    private static string ClusterParent()
    {
        const long room = 4L << 30;
        var memory = new DriveInfo("/dev/shm");
        var useMemory = Environment.GetEnvironmentVariable("PAYMENTHUB_TEST_PG_ON_DISK") is null
                        && memory.IsReady && memory.DriveFormat == "tmpfs" && memory.AvailableFreeSpace > room
                        && AvailableMemoryBytes() > room;
        return useMemory ? "/dev/shm" : Path.GetTempPath();
    }

    /// <summary>MemAvailable from /proc/meminfo, or 0 where there is none: a tmpfs's size is a limit, not memory it has.</summary>
    private static long AvailableMemoryBytes()
    {
        const string path = "/proc/meminfo";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) : null;
        var kilobytes = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        return long.TryParse(kilobytes, out var value) ? value * 1024 : 0;
    }

    private static string FindTool(string name)
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(dir => Path.Combine(dir, "bin", name))
                : []);
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException($"'{name}' was not found: install PostgreSQL server binaries, or set PAYMENTHUB_TEST_POSTGRES.");
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(prefix);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }
}
