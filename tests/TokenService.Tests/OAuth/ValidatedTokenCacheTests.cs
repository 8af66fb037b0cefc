using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TokenService.Tokens;

namespace TokenService.Tests.OAuth;

public sealed class ValidatedTokenCacheTests
{
    private static ClaimsPrincipal Principal() => new(new ClaimsIdentity([new Claim("sub", "x")], "test"));

    private static ValidatedTokenCache NewCache(FakeTimeProvider clock) =>
        new(new TokenGeneration(), clock, Microsoft.Extensions.Options.Options.Create(new TokenService.Options.CacheOptions()),
            new TokenService.Telemetry.ServiceMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider()
                .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

    [Fact]
    public void TryGet_WithinOneSecondOfTheRead_Hits_AndFromOneSecondOn_Misses()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = NewCache(clock);
        cache.Add("token", Principal(), cache.BeginRead());

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(cache.TryGet("token", out var hit));
        Assert.Equal("x", hit!.ClonePrincipal().FindFirst("sub")!.Value);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void TryGet_BoundIsCountedFromTheStartOfTheRead_NotFromTheInsert()
    {
        // Arrange: a slow read that began 600 ms before its entry was added.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = NewCache(clock);
        var stamp = cache.BeginRead();
        clock.Advance(TimeSpan.FromMilliseconds(600));
        cache.Add("token", Principal(), stamp);

        // Act / Assert: 400 ms later the row is a second old, so the entry is dead.
        clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.True(cache.TryGet("token", out _));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void Add_AfterARevocationDuringTheRead_NeverServesTheRevokedToken()
    {
        // Arrange: a validation reads the row, then this instance revokes the token before the entry is added.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = NewCache(clock);
        var stampBeforeRevocation = cache.BeginRead();
        cache.Invalidate();

        // Act: the validation finishes with the principal it read before the revocation.
        cache.Add("token", Principal(), stampBeforeRevocation);

        // Assert: not even for a moment.
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void Invalidate_ForgetsEveryEntryAtOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = NewCache(clock);
        cache.Add("one", Principal(), cache.BeginRead());
        cache.Add("two", Principal(), cache.BeginRead());

        cache.Invalidate();

        Assert.False(cache.TryGet("one", out _));
        Assert.False(cache.TryGet("two", out _));
    }

    [Fact]
    public void ClonePrincipal_ReturnsACopy_SoCallersCannotAlterTheEntry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = NewCache(clock);
        cache.Add("token", Principal(), cache.BeginRead());

        cache.TryGet("token", out var first);
        ((ClaimsIdentity)first!.ClonePrincipal().Identity!).AddClaim(new Claim("extra", "1"));

        Assert.True(cache.TryGet("token", out var second));
        Assert.Null(second!.ClonePrincipal().FindFirst("extra"));
    }
}
