using Microsoft.EntityFrameworkCore;

namespace PaymentHub.Data;

public static class SavepointFreeSave
{
    /// <summary>
    /// Saves without EF's automatic savepoint. For a transaction whose only expected save failure (the idempotency race in
    /// the bill and recharge placements) rolls the whole transaction back and is never retried inside it: there the
    /// savepoint's round trips buy nothing.
    /// </summary>
    public static async Task SaveChangesWithoutSavepointAsync(this DbContext db, CancellationToken ct)
    {
        var before = db.Database.AutoSavepointsEnabled;
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            db.Database.AutoSavepointsEnabled = before;
        }
    }
}
