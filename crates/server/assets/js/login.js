/* The login page. */
'use strict';

(() => {
  const form = document.getElementById('login-form');
  const error = document.getElementById('login-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await HX.api('login', {
        body: {
          name: document.getElementById('login-name').value.trim(),
          password: document.getElementById('login-password').value,
        },
      });
      const next = new URLSearchParams(location.search).get('next');
      location.href = next && next.startsWith('/ui/') ? next : '/ui/overview';
    } catch (err) {
      error.textContent = err.status === 401 ? HX.t('login.failed') : err.message;
      error.hidden = false;
    }
  });
  HX.done();
})();
