using PaymentHub.Data;
using PaymentHub.Tests.Architecture.CycleFixture.Alpha;

namespace PaymentHub.Tests.Architecture;

/// <summary>
/// No two PaymentHub namespaces may use each other, directly or through others: a cycle means a contract lives on the
/// wrong side (move it to the namespace that owns it, so the dependency points one way). References are read from
/// the compiled assembly (signatures, attributes and method bodies), so a call hidden in a lambda counts too.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Fact]
    public void PaymentHub_namespaces_form_no_cycle()
    {
        // The one exception: the model's DbContext lists every entity (its DbSets), in whatever feature the entity lives,
        // while every feature uses the DbContext. That is what a single DbContext used directly is; any other use of a
        // feature from PaymentHub.Data (or of anything but an entity from the DbContext) still counts.
        HashSet<string> entities;
        using (var db = DatabaseSetup.Create(DatabaseProvider.Sqlite, "Data Source=:memory:"))
        {
            entities = db.Model.GetEntityTypes().Select(e => e.ClrType.FullName!).ToHashSet(StringComparer.Ordinal);
        }
        var model = typeof(PaymentHubDbContext).FullName!;
        var graph = NamespaceGraph.Of(typeof(PaymentHubDbContext).Assembly, "PaymentHub",
            ignore: (user, used) => user == model && entities.Contains(used));

        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Namespace cycles:\n" + string.Join("\n\n",
            cycles.Select(c => string.Join(", ", c) + ":\n  " + string.Join("\n  ", graph.Describe(c)))));
        // The graph is not empty by accident: features do use the model and the ledger.
        Assert.Contains("PaymentHub.Data", graph.Edges["PaymentHub.Bills"].Keys);
        Assert.Contains("PaymentHub.Ledger", graph.Edges["PaymentHub.Recharge"].Keys);
    }

    [Fact]
    public void A_cycle_made_only_inside_method_bodies_and_lambdas_is_found()
    {
        var graph = NamespaceGraph.Of(typeof(NamespaceCycleTests).Assembly, "PaymentHub.Tests.Architecture.CycleFixture");

        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["PaymentHub.Tests.Architecture.CycleFixture.Alpha", "PaymentHub.Tests.Architecture.CycleFixture.Beta"], cycle);
        Assert.Equal(2, graph.Describe(cycle).Count());
        Assert.Equal(3, First.Count());
    }
}
