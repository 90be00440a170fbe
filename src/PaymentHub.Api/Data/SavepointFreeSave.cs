using Microsoft.EntityFrameworkCore;

namespace PaymentHub.Data;

public static class SavepointFreeSave
{
    /// <summary>
    /// Saves without EF's automatic savepoint, for a transaction that is never continued after a failed save: it rolls back
    /// whole (the placements, whose expected failure is the idempotency race; the settlements and their reward step, which
    /// start again from a new transaction when they retry at all). There the savepoint's two round trips (SAVEPOINT before
    /// the save's batch, RELEASE after it) buy nothing. Keep EF's default where a caller catches a failed save and goes on
    /// in the same transaction.
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
