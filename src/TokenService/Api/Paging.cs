using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
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

/// <summary>The query parameters of every list: bound with <c>[AsParameters]</c>, read once with <see cref="Read"/>.</summary>
/// <param name="Limit">Items per page: 1 to <see cref="Paging.MaxLimit"/>, <see cref="Paging.DefaultLimit"/> when absent.</param>
/// <param name="Cursor">The <c>cursor</c> of the previous page.</param>
public sealed record PageRequest([FromQuery(Name = "limit")] int? Limit, [FromQuery(Name = "cursor")] string? Cursor)
{
    /// <summary>The page asked for, or a 400 naming what is wrong.</summary>
    public Outcome<PageQuery> Read() =>
        Paging.TryParse(Limit, Cursor, out var take, out var after) is { } error
            ? ApiErrors.BadRequest(error)
            : new PageQuery(take, after);
}

/// <summary>A parsed page request: at most <paramref name="Take"/> items after the key <paramref name="After"/>.</summary>
public sealed record PageQuery(int Take, string? After)
{
    /// <summary>Builds the page from up to <c>Take + 1</c> rows ordered by key.</summary>
    public Page<T> Build<T>(List<T> rows, Func<T, string> key) => Paging.Build(rows, Take, key);
}
