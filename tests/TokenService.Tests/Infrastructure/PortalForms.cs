using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace TokenService.Tests.Infrastructure;

/// <summary>The portal's sign-in form over HTTP, without a browser: a cookie jar, the antiforgery field, a test address.</summary>
internal static partial class PortalForms
{
    public static async Task<string> SignInLocationAsync(TokenServiceFactory factory, string username, string password, string? address)
    {
        var jar = new Dictionary<string, string>();
        using var response = await SignInFormAsync(factory, jar, address, ("username", username), ("password", password));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    public static Task<HttpResponseMessage> SignInFormAsync(TokenServiceFactory factory, Dictionary<string, string> jar, params (string, string)[] fields) =>
        SignInFormAsync(factory, jar, null, fields);

    public static async Task<HttpResponseMessage> SignInFormAsync(
        TokenServiceFactory factory, Dictionary<string, string> jar, string? address, params (string Key, string Value)[] fields)
    {
        using var form = await GetAsync(factory, jar, "/portal/signin", address);
        var antiforgery = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        var values = fields.ToDictionary(f => f.Key, f => f.Value);
        values["__af"] = antiforgery;
        return await PostAsync(factory, jar, "/portal/signin", values, address);
    }

    public static Task<HttpResponseMessage> GetAsync(TokenServiceFactory factory, Dictionary<string, string> jar, string path, string? address = null) =>
        SendAsync(factory, jar, new HttpRequestMessage(HttpMethod.Get, path), address);

    public static Task<HttpResponseMessage> PostAsync(
        TokenServiceFactory factory, Dictionary<string, string> jar, string path, Dictionary<string, string> form, string? address = null) =>
        SendAsync(factory, jar, new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) }, address);

    /// <summary>Sends with the jar's cookies and keeps what the answer sets (a jar can move to another instance).</summary>
    public static async Task<HttpResponseMessage> SendAsync(TokenServiceFactory factory, Dictionary<string, string> jar, HttpRequestMessage request, string? address)
    {
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }

        if (address is not null)
        {
            request.Headers.Add(TokenServiceFactory.RemoteAddressHeader, address);
        }

        var response = await http.SendAsync(request);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';')[0].Split('=', 2);
            if (pair[1].Length == 0)
            {
                jar.Remove(pair[0]);
            }
            else
            {
                jar[pair[0]] = pair[1];
            }
        }

        request.Dispose();
        return response;
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    public static partial Regex AntiforgeryField();
}
