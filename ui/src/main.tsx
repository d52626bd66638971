import { render } from 'preact';
import { App } from './app.js';
import './styles.css';
import { applyTheme, storedTheme } from './theme.js';

applyTheme(storedTheme());
render(<App />, document.getElementById('app')!);
