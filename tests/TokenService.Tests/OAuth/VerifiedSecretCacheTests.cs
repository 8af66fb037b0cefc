using TokenService.Tokens;

namespace TokenService.Tests.OAuth;

public sealed class VerifiedSecretCacheTests
{
    [Fact]
    public void IsVerified_TheVerifiedSecretAgainstTheSameHash_IsTrue_AnythingElseIsFalse()
    {
        // Arrange
        using var cache = new VerifiedSecretCache(Microsoft.Extensions.Options.Options.Create(new TokenService.Options.CacheOptions()));
        cache.MarkVerified("hash-1", "secret");

        // Act and assert
        Assert.True(cache.IsVerified("hash-1", "secret"));
        Assert.False(cache.IsVerified("hash-1", "secreT"));
        Assert.False(cache.IsVerified("hash-1", "secret "));
        Assert.False(cache.IsVerified("hash-2", "secret")); // a rotated secret has a new hash: the entry no longer counts
    }

    [Fact]
    public void IsVerified_InAnotherProcess_KnowsNothing()
    {
        // Arrange: the key lives only in one instance of the cache, as it lives only in one process.
        using var one = new VerifiedSecretCache(Microsoft.Extensions.Options.Options.Create(new TokenService.Options.CacheOptions()));
        using var other = new VerifiedSecretCache(Microsoft.Extensions.Options.Options.Create(new TokenService.Options.CacheOptions()));
        one.MarkVerified("hash", "secret");

        // Act and assert
        Assert.False(other.IsVerified("hash", "secret"));
    }
}
