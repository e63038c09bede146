// Swagger UI's initializer as a file of ours (CSP: no inline script). "Try it out" sends the token of this tab.
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/admin/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    requestInterceptor: (request) => {
      const token = sessionStorage.getItem('switchboard.token');
      if (token && !request.headers.Authorization) {
        request.headers.Authorization = 'Bearer ' + token;
      }
      return request;
    },
  });
});
