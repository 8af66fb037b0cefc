using TokenService.Callers;
using TokenService.Options;
using TokenService.Tokens;

namespace TokenService.Tests.Tokens;

/// <summary>
/// The pure rules under the endpoints, called directly with named cases (ParserPropertyTests generates inputs for the
/// same functions; the HTTP tests go through them end to end).
/// </summary>
public sealed class PureRulesTests
{
    private const long Week = 604_800_000;

    [Theory]
    [InlineData(Week, null, Week)]        // no ttl: the maximum
    [InlineData(Week, "0", Week)]         // 0 means the maximum
    [InlineData(Week, "60000", 60_000)]   // narrower: as asked
    [InlineData(Week, "604800000", Week)] // the maximum itself
    public void Decide_WithinTheMaximum_GrantsTheLifetimeAsked(long maximum, string? requested, long expectedMilliseconds)
    {
        var decision = TtlPolicy.Decide(maximum, requested);

        Assert.Null(decision.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), decision.Lifetime);
    }

    [Theory]
    [InlineData("604800001")] // one millisecond past the maximum
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("1e3")]
    [InlineData(" 5")]
    [InlineData("abc")]
    [InlineData("")]
    public void Decide_AnythingElse_IsRefusedWithTheRule(string requested)
    {
        var decision = TtlPolicy.Decide(Week, requested);

        Assert.Null(decision.Lifetime);
        Assert.Contains("between 0 and the maximum of 604800000", decision.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AMaximumOf0_NeverExpires_ButAPositiveTtlUpToTheCeilingStillNarrowsIt()
    {
        Assert.Equal(new TtlDecision(null, null), TtlPolicy.Decide(0, null));
        Assert.Equal(new TtlDecision(null, null), TtlPolicy.Decide(0, "0"));
        Assert.Equal(TimeSpan.FromHours(1), TtlPolicy.Decide(0, "3600000").Lifetime);
        Assert.NotNull(TtlPolicy.Decide(0, (TokenLifetimeOptions.CeilingTtl + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Error);
    }

    [Fact]
    public void ReferenceTokens_Created_AreWellFormed_AndTheirDigestIsStable()
    {
        var token = ReferenceTokens.Create();

        Assert.True(ReferenceTokens.IsWellFormed(token));
        Assert.Equal(ReferenceTokens.Digest(token), ReferenceTokens.Digest(token));
        Assert.NotEqual(ReferenceTokens.Digest(token), ReferenceTokens.Digest(ReferenceTokens.Create()));
        Assert.DoesNotContain(token, ReferenceTokens.Digest(token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890123456789012")] // 43 characters: fine
    [InlineData("012345678901234567890123456789012345678901+")] // '+' is base64, not base64url
    [InlineData("01234567890123456789012345678901234567890123")] // 44
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig")]       // a JWT
    public void ReferenceTokens_IsWellFormed_Only43Base64UrlCharacters(string token)
    {
        var expected = token.Length == 43 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

        Assert.Equal(expected, ReferenceTokens.IsWellFormed(token));
    }

    [Theory]
    [InlineData("YXBwX2FiYzpzM2NyZXQ=", "app_abc", "s3cret")]         // app_abc:s3cret
    [InlineData("YXBwX2FiYzpzJTNBY3JldA==", "app_abc", "s:cret")]     // the secret's ':' form-encoded (RFC 6749 §2.3.1)
    [InlineData("YXBwX2FiYzphK2I=", "app_abc", "a b")]                // '+' decodes to a space
    public void TryDecodeBasic_FormEncodedIdAndSecret_AreDecoded(string parameter, string id, string secret)
    {
        Assert.True(CredentialResolver.TryDecodeBasic(parameter, out var decodedId, out var decodedSecret));
        Assert.Equal(id, decodedId);
        Assert.Equal(secret, decodedSecret);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("YXBwX2FiYw==")]  // app_abc: no colon
    [InlineData("OnNlY3JldA==")]  // :secret: no id
    [InlineData("")]
    public void TryDecodeBasic_Malformed_IsRefused(string parameter)
    {
        Assert.False(CredentialResolver.TryDecodeBasic(parameter, out _, out _));
    }
}
