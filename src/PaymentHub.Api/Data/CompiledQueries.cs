using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace PaymentHub.Data;

/// <summary>
/// An EF Core compiled query for each model it meets. A compiled query skips EF's per-call translation cache lookup (on
/// the hot paths that lookup cost more than the query), but refuses to run against a second model, and one process can
/// hold several: the two providers' contexts, and every test host with its own options.
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<IModel, TQuery> compile) where TQuery : class
{
    public CompiledPerModel(Func<TQuery> compile) : this(_ => compile())
    {
    }

    private readonly ConditionalWeakTable<IModel, TQuery> _queries = new();
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback _create = model => compile(model);

    public TQuery For(DbContext db) => _queries.GetValue(db.Model, _create);
}
