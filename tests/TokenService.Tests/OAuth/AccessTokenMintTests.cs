using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TokenService.OAuth.Lean;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

[Collection(SharedHost.Name)]
public sealed class AccessTokenMintTests(TokenServiceFactory factory)
{
    [Theory]
    [InlineData("")]
    [InlineData("bad host:x")]
    public void IssuerFor_ARequestWithoutAUsableHost_IsNull_SoTheLeanPathHandsItToOpenIddict(string host)
    {
        var mint = factory.Services.GetRequiredService<AccessTokenMint>();
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(host);

        Assert.Null(mint.IssuerFor(context.Request));
    }

    [Fact]
    public void IssuerFor_ARequestWithAHost_IsItsBaseAddress()
    {
        var mint = factory.Services.GetRequiredService<AccessTokenMint>();
        var context = new DefaultHttpContext();
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("Tokens.Example.com:8443");
        context.Request.PathBase = "/auth";

        Assert.Equal("https://tokens.example.com:8443/auth/", mint.IssuerFor(context.Request));
    }
}
