// Webview entry: defines the editor's custom elements; the HTML shell holds <rc-app>.
import './rc-app.js';
