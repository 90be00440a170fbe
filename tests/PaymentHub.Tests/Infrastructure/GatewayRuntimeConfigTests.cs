using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The runtime settings the gateway is built with (its runtimeconfig.json, read by the runtime at start): without the
/// gen0 cap, its memory under load grows with the L3 cache the host's CPU reports (bench/README.md, "A new machine, and
/// the gen0 budget capped"); with spinning thread-pool workers it takes CPU from the database beside it
/// (bench/README.md, "Thread-pool workers that do not spin").
/// </summary>
public sealed class GatewayRuntimeConfigTests
{
    private static JsonObject ConfigProperties()
    {
        var path = Path.ChangeExtension(GatewayProcess.FindGatewayDll(), ".runtimeconfig.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return config["runtimeOptions"]!["configProperties"]!.AsObject();
    }

    [Fact]
    public void The_gateway_runs_with_workstation_GC()
    {
        Assert.False(ConfigProperties()["System.GC.Server"]!.GetValue<bool>());
    }

    [Fact]
    public void The_gen0_budget_is_capped_rather_than_sized_from_the_CPU_cache()
    {
        var budget = ConfigProperties()["System.GC.Gen0MaxBudget"]?.GetValue<long>();

        Assert.Equal(16L * 1024 * 1024, budget);
    }

    [Fact]
    public void Idle_thread_pool_workers_sleep_without_spinning()
    {
        Assert.Equal(0, ConfigProperties()["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]?.GetValue<int>());
    }
}
