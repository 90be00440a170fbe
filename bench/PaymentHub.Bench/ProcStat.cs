using System.Globalization;

namespace PaymentHub.Bench;

/// <summary>CPU time and memory of a process (and of a process tree) from /proc, for CPU seconds per request.</summary>
public static class ProcStat
{
    // USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100.0;

    /// <summary>utime + stime of the process, in seconds; with <paramref name="withWaitedChildren"/> also cutime + cstime.</summary>
    public static double CpuSeconds(int pid, bool withWaitedChildren = false)
    {
        var fields = Fields(pid);
        if (fields is null)
        {
            return 0;
        }
        // After "pid (comm)": [0]=state [1]=ppid ... [11]=utime [12]=stime [13]=cutime [14]=cstime
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withWaitedChildren)
        {
            ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>
    /// A postmaster and its backends: the postmaster's own time, what its exited children used (cutime/cstime, it waits
    /// for them) and what the live children used so far.
    /// </summary>
    public static double TreeCpuSeconds(int rootPid)
    {
        var total = CpuSeconds(rootPid, withWaitedChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == rootPid)
            {
                continue;
            }
            var fields = Fields(pid);
            if (fields is not null && fields[1] == rootPid.ToString(CultureInfo.InvariantCulture))
            {
                total += CpuSeconds(pid);
            }
        }
        return total;
    }

    /// <summary>
    /// The whole machine's CPU ticks so far, all cores (/proc/stat's first line): every state's, and those stolen, when the
    /// hypervisor ran something else while this VM had work for a core (the "steal" column); null when it cannot be read.
    /// </summary>
    public static MachineTicks? Machine()
    {
        string? line;
        try
        {
            line = File.ReadLines("/proc/stat").FirstOrDefault();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already counted in user.
        var words = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words is not { Length: >= 9 } || words[0] != "cpu")
        {
            return null;
        }
        var ticks = words[1..9].Select(w => long.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        return new MachineTicks(ticks.Sum(), ticks[7]);
    }

    /// <summary>The process's current thread count ("Threads:" in /proc/PID/status); 0 when it cannot be read.</summary>
    public static int Threads(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Resident set size and its peak, in MiB (VmRSS, VmHWM).</summary>
    public static (double Rss, double Peak) MemoryMiB(int pid)
    {
        double rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kib(line) / 1024.0;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kib(line) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            return (0, 0);
        }
        return (rss, peak);
    }

    private static long Kib(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static string[]? Fields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // exited between the listing and the read
        }
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }
}

/// <summary>The machine's CPU ticks at one moment: all of them, and the stolen ones.</summary>
public sealed record MachineTicks(long Total, long Stolen)
{
    /// <summary>The share of the machine's CPU time from <paramref name="before"/> to <paramref name="after"/> that was stolen, in %; one cell.</summary>
    public static string Cell(MachineTicks? before, MachineTicks? after) => before is null || after is null || after.Total <= before.Total
        ? ""
        : (100.0 * (after.Stolen - before.Stolen) / (after.Total - before.Total)).ToString("0.0", CultureInfo.InvariantCulture);
}
