<%@ page contentType="text/html;charset=UTF-8" isErrorPage="true" %>
<%-- Generic error page: something went wrong --%>
<html>
<head><title>Error</title></head>
<body>
  <h1>HTTP Status 500 - Internal Server Error</h1>
  <p>Exception: <%= exception.getMessage() %></p>
</body>
</html>
