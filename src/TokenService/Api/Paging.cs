using System.Text;
using System.Text.Json.Serialization;
using Microsoft.IdentityModel.Tokens;

namespace TokenService.Api;

/// <summary>Keyset pagination over names: the cursor is the last name of the previous page, encoded.</summary>
public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Parses <c>limit</c> and <c>cursor</c>; returns an error sentence when either is unusable.</summary>
    public static string? TryParse(int? limit, string? cursor, out int take, out string? after)
    {
        take = limit ?? DefaultLimit;
        after = null;
        if (take is < 1 or > MaxLimit)
        {
            return $"limit must be between 1 and {MaxLimit}.";
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            after = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(cursor));
            return null;
        }
        catch (FormatException)
        {
            return "cursor is not one this service returned.";
        }
    }

    /// <summary>Builds a page from up to <c>take + 1</c> rows ordered by name.</summary>
    public static Page<T> Build<T>(List<T> rows, int take, Func<T, string> name)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(name);
        if (rows.Count <= take)
        {
            return new Page<T>(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(name(rows[^1]))));
    }
}

/// <summary>One page of a list; pass <c>cursor</c> back to get the next one (null on the last page).</summary>
public sealed record Page<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("cursor")] string? Cursor);
