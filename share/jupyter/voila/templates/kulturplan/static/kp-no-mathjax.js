/* kulturplan: a MathJax-2 stand-in that typesets nothing (see index.html.j2).
   JupyterLab's MathJax-2 typesetter and ipywidgets call only these functions. */
window.MathJax = {
  Hub: {
    Config: function () {},
    Configured: function () {},
    Queue: function () {},
    Register: { StartupHook: function () {} }
  }
};
