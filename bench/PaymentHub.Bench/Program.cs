using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PaymentHub.Bench;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = BenchOptions.Parse(args, out var error);
        if (options is null)
        {
            if (error is { Length: > 0 })
            {
                await Console.Error.WriteLineAsync($"error: {error}\nRun with --help for the options.");
                return 2;
            }
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

        try
        {
            return options.Suite ? await SuiteRun.RunAsync(options) : await BenchRun.RunAsync(options);
        }
        catch (Exception ex) when (ex is BenchSetupException or HttpRequestException or TaskCanceledException or JsonException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 3;
        }
    }
}

/// <summary>One benchmark run: set-up, warm-up, submit phase, status_check phase, then the money checks.</summary>
public static class BenchRun
{
    private const string Endpoint = "api/bill-payment.php";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var baseAddress = new Uri(options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/");
        using var adminHttp = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var loadHttp = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            BaseAddress = baseAddress,
            Timeout = options.RequestTimeout,
        };
        var admin = new AdminClient(adminHttp, options.AdminKey);

        Console.WriteLine("PaymentHub load benchmark");
        Console.WriteLine($"  gateway      {baseAddress}");
        Console.WriteLine($"  plan         {options.Requests} submits, then {options.StatusCheckCount} status checks; " +
                          $"concurrency {options.Concurrency}; cap {options.Duration.TotalSeconds:0} s; timeout {options.RequestTimeout.TotalSeconds:0} s" +
                          (options.RequestIds ? "; unique request_id per submit" : ""));
        Console.WriteLine($"  client       {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, {Environment.OSVersion}");

        using (var setupTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            if (!await admin.IsHealthyAsync(setupTimeout.Token))
            {
                throw new BenchSetupException($"GET {baseAddress}health did not answer 2xx: is the gateway running and healthy?");
            }
        }

        BenchFixture fixture;
        using (var setupTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            fixture = await admin.SetUpAsync(options, setupTimeout.Token);
        }
        Console.WriteLine($"  set-up       reseller {fixture.ResellerId}, provider {fixture.ProviderId}, service {fixture.ServiceId} (connector manual, " +
                          $"fee {Money(AdminClient.Fee)}, commission {Money(AdminClient.Commission)}); wallet funded with {Money(fixture.Funding)}");

        var credentials = new[]
        {
            new KeyValuePair<string, string>("api_key", fixture.ApiKey),
            new KeyValuePair<string, string>("api_secret", fixture.ApiSecret),
        };
        HttpRequestMessage Form(string action, params KeyValuePair<string, string>[] fields) =>
            new(HttpMethod.Post, $"{Endpoint}?action={action}") { Content = new FormUrlEncodedContent([.. credentials, .. fields]) };

        // Warm-up: read-only calls that take the same authentication path; not measured.
        if (options.Warmup > 0)
        {
            using var warmupTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var warmup = await LoadRunner.RunAsync(loadHttp, "provider_check", options.Warmup, options.Concurrency,
                _ => Form("provider_check"), (_, _, _, _) => { }, warmupTimeout.Token);
            Console.WriteLine($"  warm-up      {warmup.Successes}/{options.Warmup} provider_check calls answered 2xx (not counted)");
        }
        Console.WriteLine();

        using var deadline = new CancellationTokenSource(options.Duration);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var runClock = Stopwatch.StartNew();
        var runTag = Guid.NewGuid().ToString("N")[..12];
        var amountText = options.Amount.ToString("0.00", CultureInfo.InvariantCulture);
        var orderNumbers = new string?[options.Requests];

        var submits = await LoadRunner.RunAsync(loadHttp, "submit", options.Requests, options.Concurrency,
            i =>
            {
                var fields = new List<KeyValuePair<string, string>>
                {
                    new("provider_id", fixture.ProviderId.ToString(CultureInfo.InvariantCulture)),
                    new("service_id", fixture.ServiceId.ToString(CultureInfo.InvariantCulture)),
                    new("amount", amountText),
                    new("meter_number", $"BENCH{i:D7}"),
                };
                if (options.RequestIds)
                {
                    fields.Add(new("request_id", $"bench-{runTag}-{i}"));
                }
                return Form("submit", [.. fields]);
            },
            (i, status, body, stats) =>
            {
                using var reply = JsonDocument.Parse(body);
                if (status == 200 && reply.RootElement.TryGetProperty("order_number", out var number))
                {
                    orderNumbers[i] = number.GetString();
                    stats.Note($"order status {reply.RootElement.GetProperty("status").GetString()}");
                }
                else
                {
                    stats.Note($"{status}: {ErrorText(reply.RootElement)}");
                }
            },
            deadline.Token);

        var placed = orderNumbers.OfType<string>().ToArray();
        var statusCount = placed.Length == 0 ? 0 : options.StatusCheckCount;
        var statusChecks = await LoadRunner.RunAsync(loadHttp, "status_check", statusCount, options.Concurrency,
            i => Form("status_check", new KeyValuePair<string, string>("order_number", placed[i % placed.Length])),
            (_, status, body, stats) =>
            {
                using var reply = JsonDocument.Parse(body);
                stats.Note(status == 200
                    ? $"order status {reply.RootElement.GetProperty("status").GetString()}"
                    : $"{status}: {ErrorText(reply.RootElement)}");
            },
            deadline.Token);
        var runElapsed = runClock.Elapsed;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        Report.PrintPhases([submits, statusChecks], runElapsed, clientCpu, deadline.IsCancellationRequested);

        // The money: the ledger's own invariant check, and the wallet against what the replies said.
        using var checkTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ledger = await admin.CheckLedgerAsync(checkTimeout.Token);
        var actual = await admin.GetBalanceAsync(fixture.ResellerId, checkTimeout.Token);
        var debited = submits.Successes;
        var unknown = submits.FailureCount; // no reply: the gateway may or may not have taken the money
        var expectedHigh = fixture.Funding - debited * fixture.DebitPerOrder;
        var expectedLow = expectedHigh - unknown * fixture.DebitPerOrder;
        var ledgerOk = ledger.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True;
        var balanceOk = actual >= expectedLow && actual <= expectedHigh;
        var serverErrors = submits.ByStatus.Concat(statusChecks.ByStatus).Where(p => p.Key >= 500).Sum(p => p.Value);

        Console.WriteLine();
        Console.WriteLine($"ledger check   ok={(ledgerOk ? "true" : "false")} {LedgerSummary(ledger)}");
        Console.WriteLine($"wallet         funded {Money(fixture.Funding)}; {debited} submits answered 2xx at {Money(fixture.DebitPerOrder)} each " +
                          $"(amount {amountText} + fee {Money(AdminClient.Fee)} - commission {Money(AdminClient.Commission)})");
        Console.WriteLine(unknown == 0
            ? $"               expected balance {Money(expectedHigh)}, actual {Money(actual)} -> {(balanceOk ? "MATCH" : "MISMATCH")}"
            : $"               expected balance {Money(expectedLow)}..{Money(expectedHigh)} ({unknown} submits got no reply), " +
              $"actual {Money(actual)} -> {(balanceOk ? "WITHIN RANGE" : "MISMATCH")}");
        if (serverErrors > 0)
        {
            Console.WriteLine($"server errors  {serverErrors} replies were 5xx");
        }

        await admin.RetireAsync(fixture, checkTimeout.Token);
        Console.WriteLine($"clean-up       service {fixture.ServiceId} and provider {fixture.ProviderId} set inactive, reseller {fixture.ResellerId} suspended " +
                          "(its orders stay Processing in the manual queue)");

        var passed = ledgerOk && balanceOk && serverErrors == 0;
        Console.WriteLine($"result         {(passed ? "PASS" : "FAIL")}");
        return passed ? 0 : 1;
    }

    private static string ErrorText(JsonElement reply) =>
        reply.ValueKind == JsonValueKind.Object
        && (reply.TryGetProperty("error", out var text) || reply.TryGetProperty("title", out text))
        && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : "(no error text)";

    private static string LedgerSummary(JsonElement ledger)
    {
        var parts = new List<string>();
        foreach (var property in ledger.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Number:
                    parts.Add($"{property.Name}={property.Value.GetRawText()}");
                    break;
                case JsonValueKind.Array:
                    parts.Add($"{property.Name}={property.Value.GetArrayLength()}");
                    break;
            }
        }
        return string.Join(" ", parts);
    }

    internal static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
