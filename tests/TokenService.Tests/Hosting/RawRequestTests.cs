using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>
/// Requests malformed below HTTP's parsed surface — a Content-Length that is not one number — sent over a real socket
/// to the real server: Kestrel refuses them itself with 400 before the service runs (so without the service's JSON
/// body), never with a 5xx, and closes the connection.
/// </summary>
public sealed class RawRequestTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("10, 11")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public async Task MalformedContentLength_IsRefusedWith400ByTheServer_NeverA5xx(string contentLength)
    {
        // Arrange
        await using var factory = new TokenServiceFactory(null, null);
        factory.UseKestrel(0);
        factory.StartServer();
        var address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        // Act
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {contentLength}\r\n\r\ngrant_type=client_credentials"));
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        var statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];

        // Assert
        Assert.Equal("HTTP/1.1 400 Bad Request", statusLine);
    }
}
