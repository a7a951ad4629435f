<%@ taglib prefix="spring" uri="http://www.springframework.org/tags" %>
<html>
<body>
<h1><spring:message code="transfer.title"/></h1>
<c:if test="${not empty transferError}">
  <div class="alert alert-danger" role="alert"><spring:message code="${transferError}"/></div>
</c:if>
<form:form modelAttribute="transfer">
  <div class="form-group">
    <label for="sortCode">Sort code</label>
    <form:input path="sortCode" id="sortCode"/>
    <span class="invalid-feedback" id="sortCode-error">Check the sort code, it is 6 digits</span>
  </div>
  <button type="submit">Send money</button>
</form:form>
</body>
</html>
