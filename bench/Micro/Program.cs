using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using TokenService.Callers;
using TokenService.OAuth;

BenchmarkSwitcher.FromAssembly(typeof(TokenService.Micro.SecretVerification).Assembly).Run(args);

namespace TokenService.Micro
{

/// <summary>What a client authentication costs with and without the verified-secret cache.</summary>
[MemoryDiagnoser]
public class SecretVerification
{
    private readonly VerifiedSecretCache _cache = new();
    private readonly byte[] _salt = RandomNumberGenerator.GetBytes(16);
    private readonly string _secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private string _storedHash = "";

    [GlobalSetup]
    public void Setup()
    {
        _storedHash = Convert.ToBase64String(Pbkdf2(_secret));
        _cache.MarkVerified(_storedHash, _secret);
    }

    /// <summary>OpenIddict's own check: PBKDF2-HMAC-SHA256, 10,000 iterations, on every request.</summary>
    [Benchmark(Baseline = true)]
    public bool Uncached() => CryptographicOperations.FixedTimeEquals(Pbkdf2(_secret), Convert.FromBase64String(_storedHash));

    /// <summary>A secret verified before: one HMAC-SHA256 and a dictionary lookup.</summary>
    [Benchmark]
    public bool Cached() => _cache.IsVerified(_storedHash, _secret);

    /// <summary>A wrong secret always pays the full cost.</summary>
    [Benchmark]
    public bool WrongSecret() => _cache.IsVerified(_storedHash, "wrong") ||
                                 CryptographicOperations.FixedTimeEquals(Pbkdf2("wrong"), Convert.FromBase64String(_storedHash));

    private byte[] Pbkdf2(string secret) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), _salt, 10_000, HashAlgorithmName.SHA256, 32);
}

/// <summary>The checks every token passes through before any database work.</summary>
[MemoryDiagnoser]
public class TokenChecks
{
    private readonly string _wellFormed = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Benchmark]
    public bool MalformedTokenRefused() => ReferenceTokens.IsWellFormed("garbage-token-that-is-not-one-of-ours");

    [Benchmark]
    public bool WellFormedTokenAccepted() => ReferenceTokens.IsWellFormed(_wellFormed);

    [Benchmark]
    public bool PowersOverToken() => Powers.CanReachToken(
        new Caller(PrincipalType.OrgClient, "org_x", Guid.Empty, "acme"), new TokenScope(Guid.Empty, null, "app_y"));
}
}
