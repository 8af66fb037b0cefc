using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using TokenService.OAuth;

namespace TokenService.Tests.OAuth;

public sealed class ValidatedTokenCacheTests
{
    private static ClaimsPrincipal Principal() => new(new ClaimsIdentity([new Claim("sub", "x")], "test"));

    [Fact]
    public void TryGet_WithinOneSecondOfTheRead_Hits_AndFromOneSecondOn_Misses()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(clock);
        cache.Add("token", Principal(), clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(cache.TryGet("token", out var hit));
        Assert.Equal("x", hit!.FindFirst("sub")!.Value);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void Invalidate_ForgetsEveryEntryAtOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(clock);
        cache.Add("one", Principal(), clock.GetUtcNow());
        cache.Add("two", Principal(), clock.GetUtcNow());

        cache.Invalidate();

        Assert.False(cache.TryGet("one", out _));
        Assert.False(cache.TryGet("two", out _));
    }

    [Fact]
    public void TryGet_ReturnsACopy_SoCallersCannotAlterTheEntry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(clock);
        cache.Add("token", Principal(), clock.GetUtcNow());

        cache.TryGet("token", out var first);
        ((ClaimsIdentity)first!.Identity!).AddClaim(new Claim("extra", "1"));

        Assert.True(cache.TryGet("token", out var second));
        Assert.Null(second!.FindFirst("extra"));
    }
}
