namespace PaymentHub.Infrastructure;

public static class LogText
{
    /// <summary>
    /// Client text in a log line, with control characters written as \uXXXX: a decoded "%0D%0A" in a path would
    /// otherwise start a forged line in the console log.
    /// </summary>
    public static string ForLog(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }
        var escaped = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }
        return escaped.ToString();
    }
}
